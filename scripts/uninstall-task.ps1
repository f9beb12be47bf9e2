# Removes the hourly dakiya task from Windows Task Scheduler (a thin wrapper).
param([string]$Dakiya = "dakiya.exe")
$ErrorActionPreference = "Stop"
& $Dakiya task uninstall
exit $LASTEXITCODE
