from django import template

register = template.Library()


@register.filter
def slugify_number(number: str) -> str:
    """600/1257/2 -> 600-1257-2, the form qualification numbers take in URLs."""
    return number.replace("/", "-")


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)
