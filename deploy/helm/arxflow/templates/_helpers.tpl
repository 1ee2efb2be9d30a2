{{/* Names and labels shared by every object of the release. */}}
{{- define "arxflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "arxflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (worker or gateway): they never change after install. */}}
{{- define "arxflow.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "arxflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "arxflow.secretName" -}}
{{- if .Values.secret.existingSecret -}}
{{- .Values.secret.existingSecret -}}
{{- else if .Values.secret.create -}}
{{- printf "%s-secrets" (include "arxflow.fullname" .) -}}
{{- else -}}
{{- fail "secret: set secret.existingSecret (a Secret with DATABASE_URL, ARXFLOW_AUDIT_KEY, ARXFLOW_IDENTITY_KEYS) or secret.create with secret.values" -}}
{{- end -}}
{{- end -}}

{{/*
The environment of workers and gateways alike: the same Temporal, namespace, task queue,
database and shared keys, or audit anchors and Web UI stamps of one host fail on another.
*/}}
{{- define "arxflow.env" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: ARXFLOW_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: ARXFLOW_DATA_DIR
  value: /var/lib/arxflow
{{- if .Values.configFile }}
- name: ARXFLOW_CONFIG
  value: /etc/arxflow/config/arxflow.config.yaml
{{- end }}
{{- if .Values.temporal.tls.enabled }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/arxflow/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/arxflow/temporal-tls/tls.key
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/arxflow/temporal-tls/ca.crt
{{- with .Values.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- range $name := list "DATABASE_URL" "ARXFLOW_AUDIT_KEY" "ARXFLOW_IDENTITY_KEYS" }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "arxflow.secretName" $ }}
      key: {{ $name }}
{{- end }}
{{- range $name := .Values.secret.optionalKeys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "arxflow.secretName" $ }}
      key: {{ $name }}
      optional: true
{{- end }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The data dir (scratch: the store is PostgreSQL), the config file and the Temporal client certificate. */}}
{{- define "arxflow.volumeMounts" -}}
- name: data
  mountPath: /var/lib/arxflow
{{- if .Values.configFile }}
- name: config
  mountPath: /etc/arxflow/config
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/arxflow/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "arxflow.volumes" -}}
- name: data
  emptyDir: {}
{{- if .Values.configFile }}
- name: config
  configMap:
    name: {{ include "arxflow.fullname" . }}-config
{{- end }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.secretName: the Secret with tls.crt, tls.key and ca.crt" .Values.temporal.tls.secretName }}
{{- end }}
{{- end -}}
