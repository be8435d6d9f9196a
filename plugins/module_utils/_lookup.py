# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: how a device is looked up by object id, device id or name.

One place for the request (path and query) and for reading the answer, used by single and bulk mode alike.
By name, Graph's ``eq`` is case-insensitive and names are not unique: more than one match is an error that
lists the candidates, so nothing is written to the wrong device.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from urllib.parse import quote, urlencode

from ansible_collections.entra.devices.plugins.module_utils._device import SELECT
from ansible_collections.entra.devices.plugins.module_utils._errors import EntraError
from ansible_collections.entra.devices.plugins.module_utils._graph import device_path, odata_quote

# More matches than this by name are reported as "at least" this many; one page is enough to refuse.
NAME_MATCHES_READ = 100


def name_filter(name):
    return "displayName eq %s" % odata_quote(name)


def lookup_request(identifier):
    """(path, query) of the one GET that reads a device with every compared property."""
    option, value = identifier
    if option == "name":
        return "/devices", {"$filter": name_filter(value), "$select": SELECT, "$top": str(NAME_MATCHES_READ)}
    return device_path(**{option: value}), {"$select": SELECT}


def lookup_url(identifier):
    """The same request as a relative URL, for a JSON batch item."""
    path, query = lookup_request(identifier)
    return path + "?" + urlencode(query, quote_via=quote, safe="$,'")


def lookup_result(identifier, payload):
    """The device from the GET's answer (None for a 404 or no match); EntraError when a name matches several."""
    if payload is None or identifier[0] != "name":
        return payload
    matches = payload.get("value", [])
    if len(matches) > 1:
        raise EntraError("%d devices are named %r, so name does not identify one device; use object_id or device_id "
                         "instead. Candidates: %s." % (
                             len(matches), identifier[1],
                             "; ".join("object_id %s (device_id %s, %s)" % (d.get("id"), d.get("deviceId"), d.get("operatingSystem"))
                                       for d in matches)),
                         candidates=[d.get("id") for d in matches])
    return matches[0] if matches else None


def describe_identifier(identifier):
    option, value = identifier
    return "the device named %r" % value if option == "name" else "the device with %s %s" % (option, value)
