{{/* Names, labels and the checks that refuse a deployment that could not work. */}}

{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "gatehouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ include "gatehouse.chart" . }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: webhook-service
{{- end }}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the credentials are read from. */}}
{{- define "gatehouse.secretName" -}}
{{- default (include "gatehouse.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The Secret the PostgreSQL URL is read from. */}}
{{- define "gatehouse.databaseSecretName" -}}
{{- default (include "gatehouse.secretName" .) .Values.database.postgresql.existingSecret }}
{{- end }}

{{/* The ConfigMap mounted as the rules directory; empty when gatehouse runs on the
shipped rules. */}}
{{- define "gatehouse.rulesConfigMap" -}}
{{- if .Values.rules.configMap }}
{{- .Values.rules.configMap }}
{{- else if .Values.rules.inline }}
{{- printf "%s-rules" (include "gatehouse.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* GATEHOUSE_PUBLIC_URL: the value, else the first ingress host, else empty. */}}
{{- define "gatehouse.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- .Values.publicUrl | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- $tls := false }}
{{- range .Values.ingress.tls }}
{{- if has $host (.hosts | default list) }}
{{- $tls = true }}
{{- end }}
{{- end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- end }}
{{- end }}

{{/* GATEHOUSE_GITHUB_WRITES_PER_MINUTE: the value, else GitHub's 80 shared by the
replicas. */}}
{{- define "gatehouse.writesPerMinute" -}}
{{- $value := .Values.throughput.githubWritesPerMinute }}
{{- if and (kindIs "string" $value) (eq $value "") }}
{{- div 80 (max 1 (int .Values.replicaCount)) }}
{{- else }}
{{- $value }}
{{- end }}
{{- end }}

{{/* Refuse, with a message naming the value to change, what would not work. */}}
{{- define "gatehouse.validate" -}}
{{- $engine := .Values.database.engine }}
{{- if not (has $engine (list "sqlite" "postgresql")) }}
{{- fail (printf "database.engine must be sqlite or postgresql, not %q" $engine) }}
{{- end }}
{{- if and (eq $engine "sqlite") (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "replicaCount is %d, but SQLite is one process's database: several replicas need PostgreSQL. Set database.engine=postgresql and put the URL in the Secret (database.postgresql.urlKey), or set replicaCount=1." (int .Values.replicaCount)) }}
{{- end }}
{{- if and .Values.rules.configMap .Values.rules.inline }}
{{- fail "rules: set rules.configMap (an existing ConfigMap) or rules.inline (the files' text), not both" }}
{{- end }}
{{- range $file, $_ := .Values.rules.inline }}
{{- if not (or (hasSuffix ".yml" $file) (hasSuffix ".yaml" $file)) }}
{{- fail (printf "rules.inline: %q is not read by gatehouse, which reads *.yml and *.yaml files" $file) }}
{{- end }}
{{- end }}
{{- if and .Values.jira.enabled (not (and .Values.jira.baseUrl .Values.jira.email)) }}
{{- fail "jira.enabled needs jira.baseUrl and jira.email (the token comes from the Secret)" }}
{{- end }}
{{- if and .Values.github.signIn.enabled (not .Values.github.signIn.clientId) }}
{{- fail "github.signIn.enabled needs github.signIn.clientId (the client secret comes from the Secret)" }}
{{- end }}
{{- end }}
