"""Platform Engineering's verification of a merged change (SPEC section 8): who is asked
and by when (:mod:`.plan`, pure), the clock and the ticket's transition (:mod:`.flow`),
and the ``/verified`` and ``/verification-failed`` commands (:mod:`.commands`)."""
