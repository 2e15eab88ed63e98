"""Re-encrypt every stored personal number under the current (first) key and recompute search hashes.

Rotation: prepend a new Fernet key to GRIDGOV_PII_KEYS (keep the old ones), deploy, run this command,
then remove the old keys. A new GRIDGOV_PII_HASH_KEY can be prepended the same way. The masked ID
numbers are recomputed too, so a changed mask policy (GRIDGOV["ID_MASK_KEEP_FIRST"/"_LAST"]) reaches
every row. Batches commit one at a time, so the command can be stopped and run again.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from residents import crypto
from residents.models import Person, Place


class Command(BaseCommand):
    help = "Re-encrypt ID and phone numbers under the current PII key and recompute their search hashes."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--generate-key", action="store_true", help="print a new Fernet key and exit")

    def handle(self, *args, batch, generate_key, **options):
        if generate_key:
            self.stdout.write(crypto.generate_key())
            return
        persons = self._rotate(Person, batch, self._person)
        places = self._rotate(Place, batch, self._place)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {persons} persons and {places} places."))

    def _rotate(self, model, batch, fix):
        done, last = 0, 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:batch])
                if not rows:
                    return done
                for row in rows:
                    fix(row)
                fields = (
                    ["id_cipher", "id_hash", "id_mask", "phone_cipher", "phone_hash"]
                    if model is Person
                    else ["contact_phone_cipher"]
                )
                model.objects.bulk_update(rows, fields)
                done, last = done + len(rows), rows[-1].pk

    @staticmethod
    def _person(person):
        number, phone = crypto.decrypt(person.id_cipher), crypto.decrypt(person.phone_cipher)
        person.id_cipher, person.id_hash = crypto.rotate(person.id_cipher), crypto.lookup_hash("id", number)
        person.id_mask = crypto.mask_id(number) if number else ""  # a changed mask policy applies too
        person.phone_cipher, person.phone_hash = (
            crypto.rotate(person.phone_cipher),
            crypto.lookup_hash("phone", phone),
        )

    @staticmethod
    def _place(place):
        place.contact_phone_cipher = crypto.rotate(place.contact_phone_cipher)
