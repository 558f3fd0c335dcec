#!/bin/sh
# The VISULOX PIN wrapper script for a site that sends through SMS4.de. VISULOX sets
# VLXSMS, VLXPIN, VLXPIN_FMT, VLXPIN_SEQUENCE, VLXPIN_EXPIRATIONTIME and friends;
# sms-kannel reads them itself. The settings (sms.provider = sms4de, the SMS4.de user,
# password and customer number) are in examples/sms4de.conf, installed as below.
#
# The exit status is VISULOX's answer: 0 sent, 65 bad number or text (nothing sent),
# 69 SMS4.de did not send it (its reply is on stderr), 75 SMS4.de unreachable or timed out
# (retry later), 76 not SMS4.de's reply (wrong URL?), 77 SMS4.de refused the user,
# password or customer number, 78 configuration missing or invalid.

# chmod 600: it holds the SMS4.de password. Never pass the password as an argument.
SMSKANNEL_CONFIG=/etc/sms-kannel/sms4de.conf
export SMSKANNEL_CONFIG

# At most 160 characters; umlauts and € fit (ISO-8859-15). Any other character (Cyrillic,
# emoji) makes it UCS-2, where 70 fit. sms-kannel refuses a longer text, never cuts it.
VLXPIN_TEXT=$(cat <<EOT
Your VISULOX PIN: $VLXPIN_FMT
Valid until: $VLXPIN_EXPIRATIONTIME
Sequence: $VLXPIN_SEQUENCE
EOT
)
export VLXPIN_TEXT

exec sms-kannel
