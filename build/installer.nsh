; Scrub In: additions to electron-builder's NSIS installer (nsis.include in electron-builder.yml).
; The installer is per machine (perMachine: true), so it runs elevated. NSIS has no $APPDATA constant:
; after SetShellVarContext all, $APPDATA is the all-users application data folder, %ProgramData%, which is
; where main/config/load.ts reads the machine configuration from (%ProgramData%\ScrubIn\config.json).
;
;   Silent install with a machine configuration:  "Scrub In Setup 0.1.0.exe" /S /CONFIG=C:\deploy\scrubin.json
;
; 1. URL scheme. electron-builder's NSIS target does not register `protocols` on Windows, so it is done here,
;    machine-wide (HKLM\Software\Classes), pointing at the installed executable with the URL as one argument.
; 2. %ProgramData%\ScrubIn is always created and locked down: SYSTEM and Administrators full control, Users
;    read/execute, no inherited entries, owner Administrators. Without this, any user could create
;    %ProgramData%\ScrubIn\config.json first (ProgramData lets users create files) and point the app at their
;    own user pool.
;    A config.json that was already there is adopted only when nobody but SYSTEM/Administrators owns or can
;    write it (an upgrade over an earlier install); anything else may be a user's own user pool: it is renamed
;    config.json.untrusted, never made the Administrators', and the app stays unconfigured until IT deploys it.
; 3. /CONFIG=<file>: copied to %ProgramData%\ScrubIn\config.json (inheriting the locked-down ACL).
;    A /CONFIG that names no readable file stops the installer in customInit, before anything is installed
;    (exit code 2).
;    A start entry for every user (HKLM ...\Run "Scrub In" = "<exe>" --autostart): the app quits at once unless
;    the configuration sets terminal.startAtLogin, so IT switches starting at login without reinstalling.
; 4. Uninstall (not upgrade): removes the URL scheme, the start entry and, best effort, the keychain entries
;    (service ScrubIn) of the Windows account that runs the uninstaller. The configuration file is left for IT.

!include FileFunc.nsh
!include LogicLib.nsh

!define SCRUBIN_SCHEME "app.scrubin"
!define SCRUBIN_SCHEME_KEY "Software\Classes\app.scrubin"
; Well-known SIDs, so the ACL is right on every Windows display language.
!define SCRUBIN_SID_SYSTEM "*S-1-5-18"
!define SCRUBIN_SID_ADMINS "*S-1-5-32-544"
!define SCRUBIN_SID_USERS "*S-1-5-32-545"

; PowerShell (NSIS escapes $ as $$): exit 0 when the file named by %SCRUBIN_CHECK% is owned by SYSTEM or
; Administrators and no Allow entry gives write, delete or permission rights to anyone else; exit 3 otherwise.
; Rights mask: WriteData|AppendData|WriteEA|WriteAttributes|Delete|WriteDAC|WriteOwner|GenericAll|GenericWrite.
!define SCRUBIN_PS_TRUSTED `$$p=$$env:SCRUBIN_CHECK; $$a=Get-Acl -LiteralPath $$p; $$ok=@('S-1-5-18','S-1-5-32-544'); if ($$ok -notcontains $$a.GetOwner([Security.Principal.SecurityIdentifier]).Value) { exit 3 }; foreach ($$r in $$a.GetAccessRules($$true,$$true,[Security.Principal.SecurityIdentifier])) { if ($$r.AccessControlType -eq 'Allow' -and ([int]$$r.FileSystemRights -band 0x500D0116) -and ($$ok -notcontains $$r.IdentityReference.Value)) { exit 3 } }; exit 0`

; Messages must not contain backticks.
!macro scrubinFail message
  DetailPrint `Scrub In: ${message}`
  MessageBox MB_OK|MB_ICONSTOP `Scrub In: ${message}` /SD IDOK
  SetErrorLevel 2
  Quit
!macroend

!macro scrubinIcacls what arguments
  nsExec::ExecToLog `"$SYSDIR\icacls.exe" ${arguments}`
  Pop $R9
  ${If} $R9 != 0
    !insertmacro scrubinFail "could not ${what} (icacls exit code $R9)."
  ${EndIf}
!macroend

; Before anything is installed: a /CONFIG that names no readable file stops the installer (exit code 2), so
; a deployment never leaves an installed but unconfigured terminal behind.
!macro customInit
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/CONFIG=" $R1
  ${IfNot} ${Errors}
    ${If} $R1 == ""
      !insertmacro scrubinFail "/CONFIG= needs the path of a configuration file."
    ${EndIf}
    ${IfNot} ${FileExists} "$R1"
      !insertmacro scrubinFail "the configuration file given with /CONFIG does not exist: $R1"
    ${EndIf}
  ${EndIf}
!macroend

!macro customInstall
  SetShellVarContext all

  ; --- 0. A config.json that predates this install: adopt it only if only SYSTEM/Administrators could write it.
  ${If} ${FileExists} "$APPDATA\ScrubIn\config.json"
    System::Call 'Kernel32::SetEnvironmentVariable(t "SCRUBIN_CHECK", t "$APPDATA\ScrubIn\config.json")i'
    nsExec::ExecToLog `"$SYSDIR\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "${SCRUBIN_PS_TRUSTED}"`
    Pop $R9
    ${If} $R9 != 0
      DetailPrint "Scrub In: $APPDATA\ScrubIn\config.json could be written by non-administrators; NOT adopted, renamed config.json.untrusted"
      Delete "$APPDATA\ScrubIn\config.json.untrusted"
      Rename "$APPDATA\ScrubIn\config.json" "$APPDATA\ScrubIn\config.json.untrusted"
      ${If} ${FileExists} "$APPDATA\ScrubIn\config.json"
        !insertmacro scrubinFail "could not set aside $APPDATA\ScrubIn\config.json, which non-administrators could write."
      ${EndIf}
    ${EndIf}
  ${EndIf}

  ; --- 1. URL scheme, machine-wide.
  DetailPrint "Registering the ${SCRUBIN_SCHEME}: URL scheme for all users"
  WriteRegStr HKLM "${SCRUBIN_SCHEME_KEY}" "" "URL:Scrub In sign-in"
  WriteRegStr HKLM "${SCRUBIN_SCHEME_KEY}" "URL Protocol" ""
  WriteRegStr HKLM "${SCRUBIN_SCHEME_KEY}\DefaultIcon" "" "$appExe,0"
  WriteRegStr HKLM "${SCRUBIN_SCHEME_KEY}\shell\open\command" "" `"$appExe" "%1"`

  ; --- 1a. Start at login for every user; the configuration decides (terminal.startAtLogin, main/shell/kiosk.ts).
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Scrub In" `"$appExe" --autostart`

  ; --- 1b. Event-log source "Scrub In" (Application log): every audit record is copied there
  ; (main/terminal/system-log.ts, Write-EventLog), which only works for a registered source.
  WriteRegExpandStr HKLM "SYSTEM\CurrentControlSet\Services\EventLog\Application\Scrub In" "EventMessageFile" "%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll"
  WriteRegDWORD HKLM "SYSTEM\CurrentControlSet\Services\EventLog\Application\Scrub In" "TypesSupported" 7

  ; --- 2. Locked-down machine configuration folder.
  CreateDirectory "$APPDATA\ScrubIn"
  !insertmacro scrubinIcacls "set the owner of $APPDATA\ScrubIn" `"$APPDATA\ScrubIn" /setowner ${SCRUBIN_SID_ADMINS}`
  !insertmacro scrubinIcacls "lock down $APPDATA\ScrubIn" `"$APPDATA\ScrubIn" /inheritance:r /grant:r ${SCRUBIN_SID_SYSTEM}:(OI)(CI)F ${SCRUBIN_SID_ADMINS}:(OI)(CI)F ${SCRUBIN_SID_USERS}:(OI)(CI)RX`

  ; --- 3. /CONFIG=<file>
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/CONFIG=" $R1
  ${IfNot} ${Errors}
    ${If} $R1 == ""
      !insertmacro scrubinFail "/CONFIG= needs the path of a configuration file."
    ${EndIf}
    ${IfNot} ${FileExists} "$R1"
      !insertmacro scrubinFail "the configuration file given with /CONFIG does not exist: $R1"
    ${EndIf}
    DetailPrint "Installing the machine configuration from $R1"
    ; A fresh file, not IT's bytes poured into a file someone else owns.
    Delete "$APPDATA\ScrubIn\config.json"
    ClearErrors
    CopyFiles /SILENT "$R1" "$APPDATA\ScrubIn\config.json"
    ${If} ${Errors}
      !insertmacro scrubinFail "could not copy $R1 to $APPDATA\ScrubIn\config.json."
    ${EndIf}
  ${EndIf}

  ; The config.json now present (from /CONFIG, or adopted in step 0) gets the folder's ACL and owner.
  ${If} ${FileExists} "$APPDATA\ScrubIn\config.json"
    !insertmacro scrubinIcacls "set the owner of config.json" `"$APPDATA\ScrubIn\config.json" /setowner ${SCRUBIN_SID_ADMINS}`
    !insertmacro scrubinIcacls "reset the ACL of config.json" `"$APPDATA\ScrubIn\config.json" /reset`
  ${EndIf}
!macroend

!macro customUnInstall
  ${IfNot} ${isUpdated}
    SetShellVarContext all
    DetailPrint "Removing the ${SCRUBIN_SCHEME}: URL scheme"
    DeleteRegKey HKLM "${SCRUBIN_SCHEME_KEY}"
    DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Scrub In"
    DeleteRegKey HKLM "SYSTEM\CurrentControlSet\Services\EventLog\Application\Scrub In"
    ; Best effort: Credential Manager is per Windows account, so only the uninstalling account's entries
    ; (keytar target names "ScrubIn/<account>") can be reached. Never fails the uninstall.
    DetailPrint "Removing Scrub In keychain entries of the current Windows account"
    nsExec::ExecToLog `"$SYSDIR\cmd.exe" /d /c for /f "tokens=1,* delims==" %a in ('"$SYSDIR\cmdkey.exe" /list ^| "$SYSDIR\findstr.exe" /i /c:"target=ScrubIn/"') do @"$SYSDIR\cmdkey.exe" /delete:%b`
    Pop $R9
  ${EndIf}
!macroend
