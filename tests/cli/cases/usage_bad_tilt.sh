"$TRACEMESH" volume in --tilt sideways -o x.nii.gz
