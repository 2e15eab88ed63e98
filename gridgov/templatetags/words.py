"""Template filters over gridgov.words: ``{% load words %}`` then ``{{ late|overdue }}``."""

from django import template

from gridgov import words

register = template.Library()
register.filter("duration", words.duration_words)
register.filter("overdue", words.overdue_words)
register.filter("number", words.number_words)
