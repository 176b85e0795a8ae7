"""Signals of the campaigns app, so later apps can follow a campaign's life cycle without campaigns
importing them."""

from django.dispatch import Signal

# Sent by ``campaigns.services.campaign_transition`` inside its transaction, once the move is saved,
# with ``sender=Campaign`` and the keyword arguments ``campaign``, ``from_status``, ``to_status`` and
# ``actor`` (the user who moved it, or None). A receiver that raises undoes the move.
campaign_status_changed = Signal()
