#!/usr/bin/env bash
# Install the system packages Stand-in needs (build_tools/system_packages.txt) where missing.
#   system_packages.sh GROUP...          install what the groups need (core, desktop)
#   system_packages.sh --check GROUP...  install nothing: print the command that would
#                                        (stdout; a sentence on stderr), exit 1
# As root it installs; through `sudo -n` where that works; otherwise it stops with one line
# naming the exact command for this system, exit 1, having installed nothing. PYTHON: the
# Python whose modules the python:MODULE rows check (default python3).
set -euo pipefail
LIST="$(dirname "$0")/system_packages.txt"
PYTHON="${PYTHON:-python3}"
check_only=0
if [[ "${1:-}" == "--check" ]]; then check_only=1; shift; fi
groups=" ${*:-core} "

if command -v apt-get >/dev/null; then manager=apt; column=3
elif command -v dnf >/dev/null; then manager=dnf; column=4
elif command -v pacman >/dev/null; then manager=pacman; column=5
else manager=""; column=3
fi

ldconfig_cmd=$(command -v ldconfig || echo /sbin/ldconfig)
libraries=$("$ldconfig_cmd" -p 2>/dev/null || true)

present() {  # $1: a shared library's file name, or python:MODULE
    if [[ "$1" == python:* ]]; then
        "$PYTHON" -c "import ${1#python:}" 2>/dev/null
    else
        awk -v name="$1" '$1 == name {found = 1} END {exit !found}' <<<"$libraries"
    fi
}

missing() {  # the packages (this system's names) whose libraries are missing, each once
    local group looked_for packages seen=" "
    while read -r group looked_for packages; do
        [[ -z "$group" || "$group" == \#* || "$groups" != *" $group "* ]] && continue
        present "$looked_for" && continue
        local package
        package=$(awk -v c=$((column - 2)) '{print $c}' <<<"$packages")
        [[ -z "$manager" ]] && package="$looked_for"
        [[ "$seen" == *" $package "* ]] || seen+="$package "
    done <"$LIST"
    echo "$seen" | xargs
}

needed=$(missing)
[[ -z "$needed" ]] && exit 0

case "$manager" in
    apt) install="apt-get install -y $needed" ;;
    dnf) install="dnf install -y $needed" ;;
    pacman) install="pacman -S --needed --noconfirm $needed" ;;
    *) echo "Stand-in needs these libraries, which are missing: $needed. Install the packages" \
            "that provide them with your system's package manager, then run the command again." >&2
       exit 1 ;;
esac

[[ $(id -u) == 0 ]] || install="sudo $install"
if [[ $check_only == 1 ]]; then
    echo "$install"
    echo "Stand-in needs system packages that are missing ($needed): run \`$install\`." >&2
    exit 1
fi
if [[ $(id -u) == 0 ]]; then as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root=(sudo -n)
else
    echo "Stand-in needs system packages that are missing ($needed): run \`$install\`," \
         "then run the command again." >&2
    exit 1
fi

echo "Installing the system packages Stand-in needs: $needed"
if [[ $manager == apt ]]; then
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $needed >/dev/null
else
    "${as_root[@]}" ${install#sudo }
fi
libraries=$("$ldconfig_cmd" -p 2>/dev/null || true)
still=$(missing)
if [[ -n "$still" ]]; then
    echo "Installed, but still missing: $still. Install them by hand, then run the command again." >&2
    exit 1
fi
