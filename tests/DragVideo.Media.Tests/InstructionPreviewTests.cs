using TorchSharp;

namespace DragVideo.Media.Tests;

public class InstructionPreviewTests
{
    [Fact]
    public void Preview_writes_overlay_video_and_contact_sheet_only()
    {
        using var tmp = new TempFolder();
        using (var clip = TestClips.SlidingWindow(TestClips.OpenCv("fruits.jpg"), 12, 96, 64)) VideoWriter.WriteMp4(clip, tmp.File("in.mp4"));
        File.WriteAllText(tmp.File("req.json"), """
            {"keyframes":[{"frame":0,"pairs":[{"handle":{"x":20,"y":30},"target":{"x":50,"y":30}}],
              "mask":{"shapes":[{"type":"ellipse","cx":35,"cy":30,"rx":25,"ry":15}]}}]}
            """);
        var result = InstructionPreview.Render(tmp.File("in.mp4"), tmp.File("req.json"), tmp.File("out"), new CopyPropagator(),
            new VideoReadOptions { Kps = 6, MaxFrames = 4 }, contactSheetFrames: 4);
        (result.Width, result.Height, result.FrameCount, result.Fps).Should().Be((96, 64, 4, 6.0));
        Directory.GetFiles(tmp.File("out")).Select(Path.GetFileName).Order().Should().Equal("contact_sheet.png", "overlay.mp4");
        var info = MediaProbe.Probe(result.OverlayVideoPath);
        (info.Width, info.Height, info.FrameCount).Should().Be((96, 64, 4));
        using var sheet = ImageFile.Read(result.ContactSheetPath);
        sheet.shape.Should().Equal(3, 64 * 2 + 4, 96 * 4 + 4 * 3);
        // bottom row, frame 2 (column 2): the copy propagator shifts the handle to (22, 30) → red
        int x0 = 2 * (96 + 4), y0 = 64 + 4;
        sheet[0, y0 + 30, x0 + 22].ToSingle().Should().BeApproximately(1f, 1e-6f);
        sheet[1, y0 + 30, x0 + 22].ToSingle().Should().BeApproximately(0f, 1e-6f);
        sheet[2, y0 + 30, x0 + 52].ToSingle().Should().BeApproximately(1f, 1e-6f, "blue target at (52, 30)");
    }

    [Fact]
    public void Request_that_does_not_fit_the_decoded_clip_fails_and_leaves_no_output()
    {
        using var tmp = new TempFolder();
        using (var clip = TestClips.IndexCoded(6, 32, 32, 6)) VideoWriter.WriteMp4(clip, tmp.File("in.mp4"));
        File.WriteAllText(tmp.File("req.json"), """{"keyframes":[{"frame":9,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":2,"y":2}}]}]}""");
        var act = () => InstructionPreview.Render(tmp.File("in.mp4"), tmp.File("req.json"), tmp.File("out"), new CopyPropagator());
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[0].frame");
        Directory.Exists(tmp.File("out")).Should().BeFalse();
    }
}
