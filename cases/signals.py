from django.dispatch import Signal

# Sent on commit after every case change: kwargs case_id, kind (the transition or edit name).
# Notifications, webhooks and live pages listen here instead of being called by the services.
case_changed = Signal()

# Sent by the demo generator (``cases.demo.load``) once it has written a case history; kwargs district.
# A receiver brings the history up to now (dispatch runs its deadline sweep) and returns a phrase for the
# load summary, so cases needs no import of the apps built on it.
demo_history_loaded = Signal()
