#!/usr/bin/python3
"""A camera-like RTSP server for integration tests: serves an H.264 file over RTSP, endlessly.

Usage: rtsp_server.py --port 8554 --file clip.mp4 [--path /cam] [--fps 10] [--user U --password P]

The file (an MP4 with H.264, or an Annex B .h264 file) is read once into memory as H.264 access
units; every client gets its own stream of them, looped forever with timestamps that keep
increasing, paced by GStreamer's clock at the file's frame rate. Nothing is decoded or encoded,
so the server needs almost no CPU. A real camera never ends, and neither does this stream.

With --user and --password the server requires HTTP Basic authentication, as many cameras do.

Prints "ready rtsp://127.0.0.1:PORT/PATH ..." on stdout once it listens. Exits when stdin closes,
so a test's server dies with the test's JVM even when nobody kills it (by hand: run it from a
terminal, or as `sleep infinity | rtsp_server.py ...`).

Debian packages: python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base (appsrc,
appsink), gstreamer1.0-plugins-good (qtdemux, rtph264pay), gstreamer1.0-plugins-bad (h264parse).
"""

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def read_access_units(path):
    """The file's H.264 access units (bytes, is_keyframe), their caps, and the file's frame rate."""
    demux = "qtdemux ! " if not path.endswith((".h264", ".264")) else ""
    pipeline = Gst.parse_launch(
        f'filesrc location="{path}" ! {demux}h264parse ! '
        "video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false"
    )
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    units, caps = [], None
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        caps = sample.get_caps()
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            units.append((bytes(info.data), not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
            buf.unmap(info)
    bus = pipeline.get_bus()
    error = bus.pop_filtered(Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if error is not None or not units:
        detail = error.parse_error()[0].message if error is not None else "no H.264 frames"
        raise SystemExit(f"rtsp_server: cannot read {path}: {detail}")
    ok, num, den = caps.get_structure(0).get_fraction("framerate")
    fps = num / den if ok and num > 0 and den > 0 else 0
    return units, caps, fps


class LoopingFactory(GstRtspServer.RTSPMediaFactory):
    """One appsrc per client, fed the file's access units in a loop with increasing timestamps."""

    def __init__(self, units, caps, fps):
        super().__init__()
        self.units, self.caps = units, caps
        self.duration = int(Gst.SECOND / fps)
        self.set_launch(
            "( appsrc name=src format=time is-live=false "
            "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
        self.connect("media-configure", self.on_media_configure)

    def on_media_configure(self, _factory, media):
        src = media.get_element().get_by_name_recurse_up("src")
        src.set_property("caps", self.caps)
        state = {"n": 0}
        src.connect("need-data", self.on_need_data, state)

    def on_need_data(self, src, _length, state):
        n = state["n"]
        data, key = self.units[n % len(self.units)]
        buf = Gst.Buffer.new_wrapped(data)
        buf.pts = buf.dts = n * self.duration
        buf.duration = self.duration
        if not key:
            buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
        state["n"] = n + 1
        src.emit("push-buffer", buf)


def require_basic_auth(server, factory, user, password):
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "camera-user")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    role = Gst.Structure.from_string(
        "camera-user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
    )[0]
    factory.add_role_from_structure(role)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", required=True, help="an MP4 with H.264, or an Annex B .h264 file")
    parser.add_argument("--path", default="/cam")
    parser.add_argument("--fps", type=float, default=0, help="frames per second to serve (default: the file's, else 10)")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    Gst.init(None)
    units, caps, file_fps = read_access_units(args.file)
    fps = args.fps or file_fps or 10
    factory = LoopingFactory(units, caps, fps)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.path, factory)
    if args.user is not None:
        require_basic_auth(server, factory, args.user, args.password or "")
    if server.attach(None) == 0:
        raise SystemExit(f"rtsp_server: cannot listen on port {args.port}")

    loop = GLib.MainLoop()
    # stdin closes when the parent dies: end with it (no orphan servers after a killed test run).
    GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR,
                      lambda fd, cond: loop.quit() if not sys.stdin.buffer.read1(4096) else True)
    print(f"ready rtsp://127.0.0.1:{args.port}{args.path} ({len(units)} frames at {fps:g} fps)", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
