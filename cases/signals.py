from django.dispatch import Signal

# Sent on commit after every case change: kwargs case_id, kind (the transition or edit name).
# Notifications, webhooks and live pages listen here instead of being called by the services.
case_changed = Signal()
