"""The pure policy engine: rules and a pull-request snapshot in, an evaluation out.

Nothing here performs I/O, reads a clock or imports a web, HTTP or database library;
``tests/test_architecture.py`` keeps it so.
"""
