#!/bin/bash
# Scrub In post-remove script for deb and rpm (deb.afterRemove / rpm.afterRemove in electron-builder.yml).
# electron-builder fills in the ${executable} and ${sanitizedProductName} placeholders.
#
# It does what electron-builder's default post-remove does (command link, AppArmor profile) and, on removal only
# (not on an upgrade: deb passes "upgrade", rpm passes 1), deletes the start entry. The machine configuration
# /etc/scrubin/config.json stays (it belongs to IT), and so do each user's data folder and keychain entries:
# a package script runs as root outside the users' sessions and cannot open their keyrings (docs/it-guide.md,
# "Uninstall").

app_dir='/opt/${sanitizedProductName}'
app_exe='${executable}'

if type update-alternatives >/dev/null 2>&1; then
  update-alternatives --remove "$app_exe" "$app_dir/$app_exe" || true
else
  rm -f "/usr/bin/$app_exe"
fi

apparmor_profile="/etc/apparmor.d/$app_exe"
if [ -f "$apparmor_profile" ]; then
  if apparmor_status --enabled >/dev/null 2>&1; then
    if ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; } && command -v apparmor_parser >/dev/null 2>&1; then
      apparmor_parser --remove "$apparmor_profile" || true
    fi
  fi
  rm -f "$apparmor_profile"
fi

# >>> scrubin-remove (tests/unit/packaging.test.ts runs this block against a temporary directory)
case "${1:-remove}" in
  upgrade | 1 | 2) ;;
  *) rm -f /etc/xdg/autostart/scrub-in.desktop ;;
esac
# <<< scrubin-remove

exit 0
