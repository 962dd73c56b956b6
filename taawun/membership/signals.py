"""Points where other capabilities plug into membership without it knowing them."""

from django.dispatch import Signal

# Sent inside the application's transaction, with ``member`` (the applicant).
member_applied = Signal()
