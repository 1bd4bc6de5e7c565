# A missing file is named in the message.
"$TRACEMESH" check nothing.stl
