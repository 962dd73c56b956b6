"""Points where other capabilities follow changes to a person's account."""

from django.dispatch import Signal

# Sent inside the change's transaction, with ``user``, when a person changes
# the name other members see.
name_changed = Signal()
