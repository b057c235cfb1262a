"""Comment commands (SPEC section 5): parsed, authorised, then carried out."""
