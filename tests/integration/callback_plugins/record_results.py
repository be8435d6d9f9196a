# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
name: record_results
type: aggregate
short_description: Test helper that writes every task result to a JSON-lines file
description:
  - Used by this collection's integration tests to read task results without parsing screen output.
  - Writes one line per task result to the file named by E(RECORD_RESULTS_FILE).
options: {}
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status):
        path = os.environ.get("RECORD_RESULTS_FILE")
        if not path:
            return
        line = {"task": result.task_name if hasattr(result, "task_name") else result._task.get_name(),
                "status": status, "result": result._result}
        with open(path, "a") as handle:
            handle.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
