# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to the entra.devices collection: run a Graph module's code in the controller process when the task
runs on the controller anyway, instead of starting a new Python per task (and per loop item).

A task that talks to Graph from the controller (connection local, the usual case for API modules) gains nothing
from a module process: it only pays an interpreter start and the imports for every loop item. Running the same
code here keeps the imports and the access token for every loop item of the task.
Whenever running here could differ from running the module (another connection, become, a task environment, an
explicit other interpreter, libraries missing on the controller) the module runs as usual.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os
import sys

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.entra.devices.plugins.module_utils._common import run_task

LOCAL_CONNECTIONS = ("local", "ansible.builtin.local")


class ControllerModule:
    """The part of AnsibleModule the collection's shared code uses: params, check_mode, _diff, warn."""

    def __init__(self, params, check_mode, diff):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


class ControllerAction(ActionBase):
    """Subclasses set MODULE (the FQCN), MODULE_KWARGS (a callable returning AnsibleModule kwargs) and TASK."""

    MODULE = None
    MODULE_KWARGS = None
    TASK = None
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ControllerAction, self).run(tmp, task_vars)
        if self._runs_here(task_vars or {}):
            result.update(self._run_here())
            return result
        # As ansible.builtin.normal runs a module, async included.
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(module_name=self.MODULE, module_args=self._task.args, task_vars=task_vars,
                                           wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _runs_here(self, task_vars):
        if not boolean(os.environ.get("ENTRA_DEVICES_CONTROLLER_EXECUTION", "true"), strict=False):
            return False
        if getattr(self._connection, "_load_name", None) not in LOCAL_CONNECTIONS:
            return False
        # Ansible gives tasks without an environment keyword [{}]; any real entry needs a module process.
        if self._play_context.become or self._task.async_val or any(self._task.environment or ()):
            return False
        interpreter = task_vars.get("ansible_python_interpreter")
        if interpreter and not str(interpreter).startswith("auto"):
            try:
                if os.path.realpath(str(interpreter)) != os.path.realpath(sys.executable):
                    return False
            except (TypeError, ValueError):
                return False
        # The libraries must be on the controller's own Python; otherwise the module's interpreter may have them.
        return all(importlib.util.find_spec(name) is not None for name in ("requests", "msal"))

    def _run_here(self):
        kwargs = self.MODULE_KWARGS()  # pylint: disable=not-callable
        validator = ArgumentSpecValidator(kwargs["argument_spec"], mutually_exclusive=kwargs.get("mutually_exclusive"),
                                          required_one_of=kwargs.get("required_one_of"))
        validation = validator.validate(dict(self._task.args))
        no_log_values = validation._no_log_values
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self.MODULE, msg)  # as AnsibleModule says it
            return remove_values({"failed": True, "msg": msg, "changed": False}, no_log_values)
        module = ControllerModule(validation.validated_parameters, bool(self._play_context.check_mode), bool(self._task.diff))
        outcome, failure = run_task(module, self.TASK)
        outcome = outcome if failure is None else dict(failure, failed=True)
        if module.warnings:
            outcome["warnings"] = module.warnings
        outcome["invocation"] = {"module_args": validation.validated_parameters}
        return remove_values(outcome, no_log_values)
