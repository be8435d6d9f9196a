# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the emulator's request log in integration tests."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


def writes(records):
    return [r for r in records if r.method in ("PATCH", "DELETE", "POST") and r.kind in ("graph", "batch-item")
            and not r.path.endswith("$batch")]


def graph_calls(records):
    """(method, path) of every Graph request in order; batch envelopes excluded."""
    return [(r.method, r.path) for r in records if r.kind in ("graph", "batch-item") and not r.path.endswith("$batch")]
