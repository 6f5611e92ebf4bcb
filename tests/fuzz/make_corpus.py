#!/usr/bin/env python3
"""Writes the small seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

Standard library only. The own-format checkpoint seed needs LibTorch: scripts/run-fuzz.sh
writes it with make_checkpoint_seed into the scratch corpus.
"""
import gzip
import io
import os
import struct
import sys
import zipfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def zip_bytes(members):
    """A stored (uncompressed) zip with fixed timestamps, so regenerating changes nothing."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def idx_images(n, h, w):
    return struct.pack(">IIII", 0x803, n, h, w) + bytes((i * 37) % 256 for i in range(n * h * w))


def idx_labels(n):
    return struct.pack(">II", 0x801, n) + bytes(i % 10 for i in range(n))


def png(width, height, grey, text=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    channels = 1 if grey else 3
    rows = b"".join(b"\0" + bytes((x * 20 + y * 7) % 256 for x in range(width * channels)) for y in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0 if grey else 2, 0, 0, 0))
    if text:
        out += chunk(b"tEXt", text[0].encode() + b"\0" + text[1].encode())
    return out + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def bmp(width, height):
    """A 24-bit bottom-up BMP (rows padded to 4 bytes)."""
    row = bytes((x * 40) % 256 for x in range(width * 3)) + b"\0" * ((-width * 3) % 4)
    pixels = row * height
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info)) + info + pixels


def pnm(width, height, grey):
    channels = 1 if grey else 3
    head = b"P5" if grey else b"P6"
    return head + b"\n# seed\n%d %d\n255\n" % (width, height) + bytes(i % 256 for i in range(width * height * channels))


def tiff(width, height):
    """A big-endian, uncompressed, one-strip 8-bit RGB TIFF."""
    pixels = bytes((i * 9) % 256 for i in range(width * height * 3))
    tags = [(256, 3, 1, width), (257, 3, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 2),
            (273, 4, 1, 8), (277, 3, 1, 3), (278, 3, 1, height), (279, 4, 1, len(pixels))]
    ifd = struct.pack(">H", len(tags))
    for tag, kind, count, value in tags:
        ifd += struct.pack(">HHI", tag, kind, count) + (struct.pack(">HH", value, 0) if kind == 3 else struct.pack(">I", value))
    return b"MM\0*" + struct.pack(">I", 8 + len(pixels)) + pixels + ifd + struct.pack(">I", 0)


def jpeg_header(width, height):
    """A JPEG's markers up to its frame header (SOF0, three components); the scan is missing."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\0\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(chunk, body):
    payload = b"WEBP" + chunk + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def webp_vp8x(width, height):
    return webp(b"VP8X", b"\0\0\0\0" + struct.pack("<I", width - 1)[:3] + struct.pack("<I", height - 1)[:3])


def webp_vp8l(width, height):
    bits = (width - 1) | (height - 1) << 14
    return webp(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\0" * 8)


def pickle_str(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b if len(b) < 256 else b"X" + struct.pack("<I", len(b)) + b


def pickle_int(v):
    return b"K" + bytes([v]) if v < 256 else b"J" + struct.pack("<i", v)


def pickle_tuple(items):
    return b"(" + b"".join(items) + b"t"


def reference_pickle(tensors):
    """data.pkl of torch.save([state_dict, optimizer_state]) (protocol 2), and its storages."""
    body = b"]q\x00(}q\x01("  # [ {  (MARK for the list, MARK for SETITEMS)
    records = {}
    for key, (shape, values) in tensors.items():
        storage_key = str(len(records))
        records["data/" + storage_key] = struct.pack("<%df" % len(values), *values)
        stride, acc = [], 1
        for d in reversed(shape):
            stride.insert(0, acc)
            acc *= d
        pid = pickle_tuple([pickle_str("storage"), b"ctorch\nFloatStorage\n", pickle_str(storage_key),
                            pickle_str("cpu"), pickle_int(len(values))]) + b"Q"
        args = pickle_tuple([pid, pickle_int(0), pickle_tuple([pickle_int(d) for d in shape]),
                             pickle_tuple([pickle_int(s) for s in stride]), b"\x89",
                             b"ccollections\nOrderedDict\n)R"])
        body += pickle_str("module." + key) + b"ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R"
    body += b"u}q\x02e."  # SETITEMS, then {} (the optimizer state) and APPENDS
    return b"\x80\x02" + body, records


def reference_checkpoint(tensors):
    """A torch.save([state_dict, optimizer_state]) zip as PyTorch >= 1.6 writes it."""
    pickle, records = reference_pickle(tensors)
    members = {"archive/data.pkl": pickle}
    members.update({"archive/" + name: data for name, data in records.items()})
    members["archive/version"] = b"3\n"
    return zip_bytes(members)


def main():
    put("fuzz_idx", "images.idx", idx_images(2, 4, 4))
    put("fuzz_idx", "images.idx.gz", gzip.compress(idx_images(3, 2, 5), mtime=0))
    put("fuzz_idx", "labels.idx", idx_labels(1))
    put("fuzz_idx", "truncated.idx", idx_images(2, 4, 4)[:-3])

    record = lambda label: bytes([label]) + bytes((i * 13 + label) % 256 for i in range(3 * 32 * 32))
    put("fuzz_cifar10", "two-records.bin", record(3) + record(9))
    put("fuzz_cifar10", "cifar100-label.bin", record(42))

    put("fuzz_image", "grey.png", png(12, 12, True, ("ncsn:settings", '{"seed":1}')))
    put("fuzz_image", "rgb.png", png(5, 3, False))
    put("fuzz_image", "not-an-image.txt", b"hello")
    put("fuzz_image", "rgb.bmp", bmp(5, 3))
    put("fuzz_image", "rgb.ppm", pnm(4, 3, False))
    put("fuzz_image", "grey.pgm", pnm(4, 3, True))
    put("fuzz_image", "rgb.tif", tiff(4, 3))
    put("fuzz_image", "header.jpg", jpeg_header(8, 8))
    put("fuzz_image", "header-vp8x.webp", webp_vp8x(8, 8))
    put("fuzz_image", "header-vp8l.webp", webp_vp8l(8, 8))
    # What CI's fuzzing found: a 100-byte header claiming 30000x30000 pixels cost 2.7 GB in OpenCV.
    put("fuzz_image", "regression-huge-claim.bmp", bmp(1, 1)[:18] + struct.pack("<ii", 30000, 30000) + bmp(1, 1)[26:])

    # Zips that are not checkpoints: the full archive seed comes from make_checkpoint_seed.
    put("fuzz_checkpoint", "none.ncsn", zip_bytes({"archive/data.pkl": b"\x80\x02N.", "archive/version": b"3\n"}))
    put("fuzz_checkpoint", "text.ncsn", b"not a checkpoint")

    # fuzz_torch_save also wraps each input as data.pkl with these two storages.
    state = {
        "begin_conv.weight": ([2, 1, 1, 1], [0.5, -0.25]),
        "normalizer.embed.weight": ([1, 6], [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]),
    }
    put("fuzz_torch_save", "state.pth", reference_checkpoint(state))
    put("fuzz_torch_save", "state.pkl", reference_pickle(state)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
