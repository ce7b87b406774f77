"""DRF fields and nested serializers shared by the public APIs."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """DRF's CharField turns 12345678 into "12345678"; a client sending a number
    where we document a string has a bug we should report, not hide."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField, StrictCharField):
    pass


MAX_UTM_CHARS = 255


class UtmInputSerializer(serializers.Serializer):
    """The `utm` object of events and lead captures; absent keys become ""."""

    source = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    medium = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    campaign = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    term = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    content = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
