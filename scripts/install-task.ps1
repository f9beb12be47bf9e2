# Registers the hourly dakiya task in Windows Task Scheduler (a thin wrapper).
# Usage: powershell -ExecutionPolicy Bypass -File scripts\install-task.ps1 [-Every 1h] [-Pipeline pipelines\hourly.toml]
param(
    [string]$Every = "1h",
    [string]$Pipeline = "pipelines\hourly.toml",
    [string]$Dakiya = "dakiya.exe"
)
$ErrorActionPreference = "Stop"
& $Dakiya validate $Pipeline
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& $Dakiya task install --every $Every --pipeline $Pipeline
exit $LASTEXITCODE
