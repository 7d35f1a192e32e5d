"""Which box of a flow stands for which component of the running system.

Events name the component that acted (``api``, ``cache``, or any kind a user's system
reports, like ``function``); this map renames them to the flow's box ids. A component kind
the system never reports simply matches no event, so its box's arrows are judged like any
other: proven when observed, missing (or undocumented traffic) when not.
"""

from __future__ import annotations

from inkproof.errors import InkproofError
from inkproof.model import Component, Flow, Icon

#: The component a box stands for when it does not say (``component:``), by its icon name.
DEFAULT_BY_ICON: dict[str, str] = {
    Icon.WEB_WINDOW: Component.CLIENT,
    Icon.SERVER_RACK: Component.API,
    Icon.DATABASE: Component.DATABASE,
    Icon.MEMORY_STACK: Component.CACHE,
    Icon.MESSAGE_QUEUE: Component.QUEUE,
    Icon.GEAR: Component.WORKER,
}


def components_of(flow: Flow) -> dict[str, str]:
    """component kind → box id; two boxes claiming one component is an error."""
    found: dict[str, str] = {}
    for box in flow.boxes:
        component = box.component or DEFAULT_BY_ICON.get(str(box.icon))
        if component is None:
            continue
        component = str(component)
        if component in found:
            raise InkproofError(
                f"boxes '{found[component]}' and '{box.id}' both stand for the "
                f"{component} — set `component:` on the boxes of flow '{flow.id}'")
        found[component] = box.id
    return found


def flow_keys(flow: Flow) -> set[str]:
    """The Redis keys the flow's arrows name (the first argument of each command)."""
    keys = set()
    for arrow in flow.arrows:
        if arrow.expect is not None and arrow.expect.redis is not None:
            words = arrow.expect.redis.split()
            if len(words) > 1 and "*" not in words[1] and "|" not in words[1]:
                keys.add(words[1])
    return keys
