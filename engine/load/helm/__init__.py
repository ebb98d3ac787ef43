"""Helm charts rendered in-process with helm-python-sdk and loaded as Kubernetes resources.

Modules: ``worker`` (the child process that calls Helm), ``renderer`` (runs the worker under
a time and memory limit), ``values`` (values files and merging), ``dependencies`` (declared
subcharts that are enabled but not vendored), ``source_map`` (rendered objects back to their
template and line), ``descriptors`` (Argo CD Applications and Flux HelmReleases), ``chart``
(one Helm unit -> resources). Nothing here imports ``helm_python`` in the scanner's process.
"""
