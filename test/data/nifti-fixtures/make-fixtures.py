"""Writes the NIfTI fixtures of test/data/nifti-fixtures.test.ts with nibabel, an independent
writer, plus expected.json holding what nibabel itself reads back (voxels after scaling,
affine, zooms). Not run by CI; rerun by hand if a fixture changes:

    python3 test/data/nifti-fixtures/make-fixtures.py     # needs numpy and nibabel (Debian: python3-nibabel)
"""
import json
import os

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)


def rotation_z(deg):
    t = np.deg2rad(deg)
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])


def affine_of(rot, zooms, offset):
    a = np.eye(4)
    a[:3, :3] = rot @ np.diag(zooms)
    a[:3, 3] = offset
    return a


expected = {}


def save(name, img):
    path = os.path.join(HERE, name)
    nib.save(img, path)
    back = nib.load(path)
    data = np.asarray(back.get_fdata(dtype=np.float64))  # applies scl_slope / scl_inter
    expected[name] = {
        "dims": list(back.shape[:3]) + [1] * (3 - len(back.shape)),
        "affine": back.affine.tolist(),
        # a 2D image has two zooms; its pixdim[3] is 1
        "zooms": ([float(z) for z in back.header.get_zooms()[:3]] + [1.0] * 3)[:3],
        # x fastest, like ablate's layout
        "data": data.reshape(-1, order="F").tolist(),
    }


# 1. int16 with scl_slope/scl_inter, rotated sform (code 2) and matching qform (code 1), gzip.
shape = (5, 4, 3)
raw = rng.integers(-300, 300, size=shape).astype(np.int16)
aff = affine_of(rotation_z(25), [0.9, 1.3, 2.5], [-40.5, 12.25, 7.0])
img = nib.Nifti1Image(raw, aff)
img.header.set_data_dtype(np.int16)
img.header.set_slope_inter(0.5, 10.0)
img.set_sform(aff, code=2)
img.set_qform(aff, code=1)
img.header.set_xyzt_units("mm")
save("int16-scaled-sform.nii.gz", img)

# 2. float32, qform only (sform_code 0), left-handed voxel axes (qfac = -1), uncompressed.
shape = (4, 3, 2)
raw = rng.normal(size=shape).astype(np.float32)
aff = affine_of(rotation_z(-70) @ np.diag([1, 1, -1]), [2.0, 0.7, 3.3], [10.0, -5.0, 2.5])
img = nib.Nifti1Image(raw, None)
img.set_qform(aff, code=1)
img.set_sform(None, code=0)
img.header.set_xyzt_units("mm")
save("float32-qform-flipped.nii", img)

# 3. uint8 labels, big-endian header and data, sform only.
shape = (6, 5, 4)
raw = rng.integers(0, 4, size=shape).astype(np.uint16) * 205
hdr = nib.Nifti1Header(endianness=">")
hdr.set_data_dtype(np.uint16)
aff = affine_of(np.eye(3), [1.25, 1.25, 3.0], [0, 0, 0])
img = nib.Nifti1Image(raw, aff, header=hdr)
img.set_qform(None, code=0)
img.set_sform(aff, code=1)
save("uint16-bigendian-labels.nii.gz", img)

# 4. 2D image (dim[0] = 2), float64.
raw = rng.normal(size=(7, 6)).astype(np.float64)
aff = affine_of(np.eye(3), [0.5, 0.75, 1.0], [1, 2, 3])
img = nib.Nifti1Image(raw, aff)
save("float64-2d.nii", img)

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"nibabel": nib.__version__, "files": expected}, f, indent=1)
print("wrote", sorted(expected))
