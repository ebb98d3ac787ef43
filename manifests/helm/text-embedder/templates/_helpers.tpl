{{- define "text-embedder.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "text-embedder.selector" -}}
app.kubernetes.io/name: {{ include "text-embedder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "text-embedder.labels" -}}
{{ include "text-embedder.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: ml-pipeline
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Whole GPUs only: a fraction or a string would be a GPU-01 finding at render time. */}}
{{- define "text-embedder.gpus" -}}
{{- $count := required "gpu.count is required" .Values.gpu.count -}}
{{- if or (lt (int $count) 1) (ne (float64 $count) (float64 (int $count))) -}}
{{- fail "gpu.count must be a whole number of GPUs, at least 1" -}}
{{- end -}}
{{- int $count | quote -}}
{{- end -}}
