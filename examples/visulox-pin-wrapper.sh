#!/bin/sh
# The VISULOX PIN wrapper script, calling sms-kannel where it used to call
# $VLXUTIL/SMSviaKannel.tcl. VISULOX sets VLXSMS, VLXPIN, VLXPIN_FMT, VLXPIN_SEQUENCE,
# VLXPIN_EXPIRATIONTIME, VLXPIN_LIFETIME and VLXLOGINUSER; sms-kannel reads them itself.
#
# The exit status is VISULOX's answer: 0 sent (or queued), 65 bad number or text,
# 69 refused by Kannel, 75 gateway down or timed out (retry later), 76 not a Kannel,
# 77 wrong credentials, 78 configuration missing or invalid.

# Settings, including the password, come from this file: root:sms-kannel, mode 0640, so
# the account VISULOX runs this script as must be in the group sms-kannel (README,
# "Installing on a host"); the group also lets it record its sends in the store.
SMSKANNEL_CONFIG=/etc/sms-kannel/sms-kannel.conf
export SMSKANNEL_CONFIG

# The SMS text: keep the PIN and the sequence number in it, and stay within 160
# characters (sms-kannel refuses a longer text rather than letting Kannel cut it).
# If VLXPIN_EXPIRATIONTIME is epoch seconds, leave VLXPIN_TEXT unset instead and let
# smskannel.template build the text: it shows the expiry as local date and time.
VLXPIN_TEXT=$(cat <<EOT
Your VISULOX PIN: $VLXPIN_FMT
Valid until: $VLXPIN_EXPIRATIONTIME
Sequence: $VLXPIN_SEQUENCE
EOT
)
export VLXPIN_TEXT

# Was: exec $VLXUTIL/SMSviaKannel.tcl
exec sms-kannel
