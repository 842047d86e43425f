using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media.Tests;

public class ImageFileTests
{
    [Fact]
    public void Png_round_trip_is_exact_and_jpeg_is_close()
    {
        using var tmp = new TempFolder();
        using var img = ImageFile.Read(TestClips.OpenCv("baboon.jpg"));
        img.shape.Should().Equal(3, 512, 512);
        ImageFile.Write(img, tmp.File("a.png"));
        using var png = ImageFile.Read(tmp.File("a.png"));
        png.allclose(img, rtol: 0, atol: 1e-6).Should().BeTrue();
        ImageFile.Write(img, tmp.File("a.jpg"));
        using var jpg = ImageFile.Read(tmp.File("a.jpg"));
        (jpg - img).abs().mean().ToDouble().Should().BeLessThan(0.02);
        tmp.Files().Should().Equal("a.jpg", "a.png");
    }

    [Fact]
    public void Mask_round_trip_is_exact()
    {
        using var tmp = new TempFolder();
        var mask = BinaryMask.FromFunction(37, 21, (x, y) => (x * x + y) % 3 == 0);
        MaskFile.Write(mask, tmp.File("m.png"));
        MaskFile.Read(tmp.File("m.png")).Should().Be(mask);
        // the JSON loader's own PNG decoder reads the same file identically
        File.WriteAllText(tmp.File("r.json"), """{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":2,"y":2}}],"mask":"m.png"}]}""");
        DragRequestJson.Load(tmp.File("r.json"), 37, 21, 1).Keyframes[0].Mask.Should().Be(mask);
    }

    [Fact]
    public void Unsupported_extension_is_rejected_before_writing()
    {
        using var tmp = new TempFolder();
        TorchRuntime.EnsureLoaded();
        FluentActions.Invoking(() => ImageFile.Write(torch.zeros(3, 4, 4), tmp.File("a.bmpx"))).Should().Throw<ArgumentException>();
        tmp.Files().Should().BeEmpty();
    }

    [Fact]
    public void A_coloured_transparent_png_mask_reads_the_same_through_MaskFile_and_the_json_loader()
    {
        using var tmp = new TempFolder();
        // 4×1 RGBA: pure red (inside: its largest channel is full scale, though its luma is low), dark grey (outside),
        // white but transparent (outside), opaque white (inside).
        var rgba = new byte[] { 255, 0, 0, 255, 60, 60, 60, 255, 255, 255, 255, 0, 255, 255, 255, 255 };
        ImageFile.WriteRaw(rgba, 4, 1, "rgba", tmp.File("m.png"), new[] { "-c:v", "png", "-pix_fmt", "rgba" }, CancellationToken.None);
        var expected = new BinaryMask(4, 1, new[] { true, false, false, true });

        MaskFile.Read(tmp.File("m.png")).Should().Be(expected);
        File.WriteAllText(tmp.File("r.json"), """{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":0},"target":{"x":2,"y":0}}],"mask":"m.png"}]}""");
        DragRequestJson.Load(tmp.File("r.json"), 4, 1, 1).Keyframes[0].Mask.Should().Be(expected, "one PNG reader decides for both");
    }
}
