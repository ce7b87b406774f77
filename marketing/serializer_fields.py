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


class StrictBooleanField(serializers.BooleanField):
    """Express consent must be an explicit JSON `true`: "yes", 1 or "on" from a
    script that guessed the format is not a ticked checkbox (CASL s. 10(1))."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class PagePathField(StrictCharField):
    """A page path as the tracker sends it: absolute, kept exactly as given."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        path = super().to_internal_value(data)
        if not path.startswith("/"):
            raise serializers.ValidationError("Must start with '/'.")
        return path


MAX_UTM_CHARS = 255


class UtmInputSerializer(serializers.Serializer):
    """The `utm` object of events and lead captures; only the non-empty tags are kept."""

    source = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    medium = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    campaign = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    term = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")
    content = StrictCharField(max_length=MAX_UTM_CHARS, required=False, allow_blank=True, default="")

    def to_internal_value(self, data: Any) -> dict[str, str]:
        return {key: text for key, text in super().to_internal_value(data).items() if text}
