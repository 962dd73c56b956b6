"""Points where other capabilities follow changes to a person's account."""

from django.dispatch import Signal

# Sent inside the change's transaction, with ``user``, when a person changes
# what other members see of them: their name or their handle.
profile_changed = Signal()
