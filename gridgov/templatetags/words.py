"""Template filters over gridgov.words: ``{% load words %}`` then ``{{ late|overdue }}``,
``{{ amount|limit:unit }}``."""

from django import template

from gridgov import words

register = template.Library()
register.filter("duration", words.duration_words)
register.filter("overdue", words.overdue_words)
register.filter("overdue_since", words.overdue_since)  # {{ case.stage_due_at|overdue_since }}
register.filter("number", words.number_words)
register.filter("limit", words.limit_words)  # {{ amount|limit:unit }}
