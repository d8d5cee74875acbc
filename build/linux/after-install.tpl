#!/bin/bash
# Scrub In post-install script for deb and rpm (deb.afterInstall / rpm.afterInstall in electron-builder.yml).
# electron-builder fills in the ${executable} and ${sanitizedProductName} placeholders; any other
# "dollar-brace-letters" form is a build error, so shell variables here are written $name or with underscores.
#
# It does what electron-builder's default post-install does (command symlink, chrome-sandbox mode, desktop and
# MIME databases so the app.scrubin: URL scheme handler is known, AppArmor profile on Ubuntu 24+), then manages
# the machine configuration /etc/scrubin/config.json:
#   - SCRUBIN_CONFIG_SOURCE=/path/to/config.json in the environment of the package manager (e.g.
#     `sudo SCRUBIN_CONFIG_SOURCE=/root/scrubin.json dpkg -i scrub-in.deb`): that file is installed there;
#   - otherwise a file already at /etc/scrubin/config.json is kept ONLY if root alone could have written it (file
#     and folder owned by root, not group/world-writable); else it is moved to config.json.untrusted and not used
#     (IT may also place the file after install);
#   - either way the file ends up owned by root with mode 0644 (readable by the app, writable only by root), and
#     the script fails rather than leave it world-writable, a symlink, or anything but a regular file.
# The configuration is never removed on uninstall (it belongs to IT).

app_dir='/opt/${sanitizedProductName}'
app_exe='${executable}'

# Command on the PATH.
if type update-alternatives >/dev/null 2>&1; then
  if [ -L "/usr/bin/$app_exe" ] && [ "$(readlink "/usr/bin/$app_exe")" != "/etc/alternatives/$app_exe" ]; then
    rm -f "/usr/bin/$app_exe"
  fi
  update-alternatives --install "/usr/bin/$app_exe" "$app_exe" "$app_dir/$app_exe" 100 || ln -sf "$app_dir/$app_exe" "/usr/bin/$app_exe"
else
  ln -sf "$app_dir/$app_exe" "/usr/bin/$app_exe"
fi

# Chromium sandbox: the setuid helper is only needed where unprivileged user namespaces do not work.
if [ -L /proc/self/ns/user ] && unshare --user true >/dev/null 2>&1; then
  chmod 0755 "$app_dir/chrome-sandbox" || true
else
  chmod 4755 "$app_dir/chrome-sandbox" || true
fi

# Desktop entry (MimeType=x-scheme-handler/app.scrubin) and MIME caches: makes the URL scheme resolvable.
if command -v update-mime-database >/dev/null 2>&1; then
  update-mime-database /usr/share/mime || true
fi
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database /usr/share/applications || true
fi

# AppArmor profile allowing user namespaces (Ubuntu 24.04+ restricts them); skipped where AppArmor cannot parse it.
if command -v apparmor_status >/dev/null 2>&1 && apparmor_status --enabled >/dev/null 2>&1; then
  apparmor_source="$app_dir/resources/apparmor-profile"
  apparmor_target="/etc/apparmor.d/$app_exe"
  if [ -f "$apparmor_source" ] && apparmor_parser --skip-kernel-load --debug "$apparmor_source" >/dev/null 2>&1; then
    cp -f "$apparmor_source" "$apparmor_target"
    if ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; }; then
      apparmor_parser --replace --write-cache --skip-read-cache "$apparmor_target" || true
    fi
  else
    echo "Scrub In: AppArmor profile not installed (this AppArmor does not accept it)."
  fi
fi

# >>> scrubin-autostart (tests/unit/packaging.test.ts runs this block against a temporary directory)
# A start entry for every user's desktop session. It passes --autostart: the app quits at once unless the
# configuration sets terminal.startAtLogin, so IT switches starting at login without reinstalling.
scrubin_autostart_dir=/etc/xdg/autostart
mkdir -p "$scrubin_autostart_dir"
cat > "$scrubin_autostart_dir/scrub-in.desktop.new" <<SCRUBIN_DESKTOP
[Desktop Entry]
Type=Application
Name=Scrub In
Comment=Sign-in for this operating-room terminal (starts only when IT sets terminal.startAtLogin)
Exec="$app_dir/$app_exe" --autostart
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
SCRUBIN_DESKTOP
chmod 0644 "$scrubin_autostart_dir/scrub-in.desktop.new"
mv -f "$scrubin_autostart_dir/scrub-in.desktop.new" "$scrubin_autostart_dir/scrub-in.desktop"
# <<< scrubin-autostart

# >>> scrubin-config (tests/unit/packaging.test.ts runs this block against a temporary directory)
scrubin_config_dir=/etc/scrubin
scrubin_config="$scrubin_config_dir/config.json"
scrubin_fail() {
  echo "Scrub In: $1" >&2
  exit 1
}
if [ -n "${SCRUBIN_CONFIG_SOURCE:-}" ]; then
  scrubin_source="$SCRUBIN_CONFIG_SOURCE"
  if [ ! -f "$scrubin_source" ] || [ ! -r "$scrubin_source" ]; then
    scrubin_fail "SCRUBIN_CONFIG_SOURCE=$scrubin_source is not a readable file; the configuration was not installed."
  fi
  install -d -o root -g root -m 0755 "$scrubin_config_dir" || scrubin_fail "cannot create $scrubin_config_dir."
  install -o root -g root -m 0644 "$scrubin_source" "$scrubin_config.new" || scrubin_fail "cannot copy $scrubin_source."
  mv -f "$scrubin_config.new" "$scrubin_config" || scrubin_fail "cannot install $scrubin_config."
  echo "Scrub In: installed the machine configuration $scrubin_config from $scrubin_source."
fi
if [ -e "$scrubin_config" ] || [ -L "$scrubin_config" ]; then
  if [ -L "$scrubin_config" ] || [ ! -f "$scrubin_config" ]; then
    scrubin_fail "$scrubin_config must be a regular file (not a symlink or anything else); replace it with a plain file owned by root."
  fi
  if [ -z "${SCRUBIN_CONFIG_SOURCE:-}" ]; then
    # A file that was there before this install is adopted only if nobody but root could have written it (file
    # and folder owned by root, neither group- nor world-writable). Anything else may be a user's own user pool:
    # it is set aside, never made root's, and the app stays unconfigured until IT installs the file.
    scrubin_uid=$(stat -c %u "$scrubin_config")
    scrubin_dir_uid=$(stat -c %u "$scrubin_config_dir")
    scrubin_mode=$(stat -c %a "$scrubin_config")
    scrubin_dir_mode=$(stat -c %a "$scrubin_config_dir")
    if [ "$scrubin_uid" != 0 ] || [ "$scrubin_dir_uid" != 0 ] || [ $((0$scrubin_mode & 022)) -ne 0 ] || [ $((0$scrubin_dir_mode & 022)) -ne 0 ]; then
      scrubin_aside="$scrubin_config.untrusted"
      mv -f "$scrubin_config" "$scrubin_aside" || scrubin_fail "cannot move the untrusted $scrubin_config aside."
      chown root:root "$scrubin_aside" && chmod 0600 "$scrubin_aside" || true
      chown root:root "$scrubin_config_dir" && chmod 0755 "$scrubin_config_dir" || scrubin_fail "cannot lock down $scrubin_config_dir."
      echo "Scrub In: $scrubin_config was writable by someone other than root (file owner uid $scrubin_uid mode $scrubin_mode, folder owner uid $scrubin_dir_uid mode $scrubin_dir_mode). It was NOT adopted: moved to $scrubin_aside. Check it, then install it with SCRUBIN_CONFIG_SOURCE=<file>." >&2
    fi
  fi
fi
if [ -f "$scrubin_config" ]; then
  chown root:root "$scrubin_config_dir" "$scrubin_config" || scrubin_fail "cannot make $scrubin_config owned by root."
  chmod 0755 "$scrubin_config_dir" || scrubin_fail "cannot set the mode of $scrubin_config_dir."
  chmod 0644 "$scrubin_config" || scrubin_fail "cannot set the mode of $scrubin_config."
  scrubin_mode=$(stat -c %a "$scrubin_config")
  case "$scrubin_mode" in
    644) ;;
    *) scrubin_fail "$scrubin_config still has mode $scrubin_mode; it must be 0644 (owner root)." ;;
  esac
fi
# <<< scrubin-config

exit 0
