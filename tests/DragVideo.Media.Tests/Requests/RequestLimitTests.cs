using System.Text;

namespace DragVideo.Media.Tests.Requests;

/// <summary>Requests that would exhaust memory or run for minutes are refused up front, naming the field.</summary>
public class RequestLimitTests
{
    private const int W = 64, H = 48, F = 8;

    private static DragRequest Parse(string json, string? baseDir = null) =>
        DragRequestJson.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), W, H, F, baseDir);

    private static string Pairs(int n) =>
        string.Join(",", Enumerable.Range(0, n).Select(i => $$$"""{"handle":{"x":{{{i % W}}},"y":1},"target":{"x":{{{i % W}}},"y":2} }"""));

    [Fact]
    public void A_png_mask_path_naming_dev_zero_is_refused_after_a_bounded_read()
    {
        if (!File.Exists("/dev/zero")) return; // Linux only; Windows has no such device
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = FluentActions.Invoking(() => Parse($$$"""{"keyframes":[{"frame":0,"pairs":[ {{{Pairs(1)}}} ],"mask":{"png":"/dev/zero"} } ]}"""))
            .Should().Throw<InvalidDragRequestException>().Which;
        ex.Field.Should().Be("keyframes[0].mask.png");
        ex.Message.Should().Contain("larger than 64 MiB");
        // Reading stops one byte past the limit: a few times 64 MiB allocated at most, never the gigabytes an unbounded read takes.
        (GC.GetTotalAllocatedBytes(precise: true) - before).Should().BeLessThan(6 * DragRequestJson.MaxMaskFileBytes);
    }

    [Fact]
    public void More_pairs_than_the_limit_on_a_key_frame_are_refused_naming_the_field()
    {
        Parse($$$"""{"keyframes":[{"frame":0,"pairs":[ {{{Pairs(DragRequestLimits.MaxPairsPerKeyframe)}}} ]}]}""")
            .Keyframes[0].Pairs.Should().HaveCount(DragRequestLimits.MaxPairsPerKeyframe);
        var ex = FluentActions.Invoking(() => Parse($$$"""{"keyframes":[{"frame":0,"pairs":[ {{{Pairs(DragRequestLimits.MaxPairsPerKeyframe + 1)}}} ]}]}"""))
            .Should().Throw<InvalidDragRequestException>().Which;
        ex.Field.Should().Be("keyframes[0].pairs");
        ex.Message.Should().Contain("65 pairs").And.Contain("at most 64");
    }

    [Fact]
    public void The_validator_holds_programmatic_requests_to_the_same_pair_limit()
    {
        var pairs = Enumerable.Range(0, 10_000).Select(i => new DragPair(new DragPoint(i % W, 1), new DragPoint(i % W, 2))).ToList();
        var request = new DragRequest(new[] { new KeyframeDrag(0, pairs) });
        FluentActions.Invoking(() => DragRequestValidator.Validate(request, F, W, H))
            .Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[0].pairs");
    }

    [Theory]
    [InlineData("polygon", "")]
    [InlineData("brush", "\"radius\":2,")]
    public void A_shape_over_the_point_limit_is_refused_naming_the_field(string type, string extra)
    {
        string Points(int n) => string.Join(",", Enumerable.Range(0, n).Select(i => $$$"""{"x":{{{i % W}}},"y":{{{i % H}}} }"""));
        string Doc(int n) => $$$"""{"keyframes":[{"frame":0,"pairs":[ {{{Pairs(1)}}} ],"mask":{"shapes":[{"type":"{{{type}}}", {{{extra}}} "points":[ {{{Points(n)}}} ]}]} } ]}""";
        FluentActions.Invoking(() => Parse(Doc(DragRequestLimits.MaxPointsPerShape))).Should().NotThrow();
        var ex = FluentActions.Invoking(() => Parse(Doc(200_000))).Should().Throw<InvalidDragRequestException>().Which;
        ex.Field.Should().Be("keyframes[0].mask.shapes[0].points");
        ex.Message.Should().Contain("200000 points");
    }

    [Fact]
    public void A_disposed_clip_says_it_was_disposed_instead_of_failing_on_an_empty_handle()
    {
        TorchRuntime.EnsureLoaded();
        var clip = new VideoClip(TorchSharp.torch.zeros(2, 3, 8, 8), 10);
        clip.Dispose();
        clip.IsDisposed.Should().BeTrue();
        FluentActions.Invoking(() => clip.FrameCount).Should().Throw<ObjectDisposedException>().WithMessage("*disposed*");
    }
}
