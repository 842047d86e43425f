using DragVideo.Studio.Api;
using DragVideo.Studio.Clips;
using DragVideo.Studio.Engine;
using DragVideo.Studio.Runs;
using Microsoft.AspNetCore.Http;
using TorchSharp;

namespace DragVideo.Studio.Tests;

public sealed class RequestMapperTests : IDisposable
{
    private readonly VideoClip _clip;
    private readonly RecordingSegmenter _engine = new();

    public RequestMapperTests()
    {
        TorchRuntime.EnsureLoaded();
        _clip = new VideoClip(torch.rand(4, 3, 16, 20), 6);
    }

    public void Dispose() => _clip.Dispose();

    private static PairDto Pair(float hx, float hy, float tx, float ty) => new(new PointDto(hx, hy), new PointDto(tx, ty));

    [Fact]
    public void Start_and_end_pairs_with_a_mask_become_a_validated_request_with_the_default_prompt()
    {
        var request = RequestMapper.ToDragRequest(new[]
        {
            new KeyframeDto(0, new[] { Pair(2, 3, 8, 3) }, new MaskClicksDto(new[] { new PointDto(2, 3) }, new[] { new PointDto(15, 15) })),
            new KeyframeDto(3, new[] { Pair(4, 5, 10, 5) }),
        }, "  ", _clip, _engine);

        request.Prompt.Should().Be(DragRequest.DefaultPrompt);
        request.Keyframes.Select(k => k.FrameIndex).Should().Equal(0, 3);
        request.Keyframes[0].Pairs.Single().Should().Be(new DragPair(new DragPoint(2, 3), new DragPoint(8, 3)));
        request.Keyframes[0].Mask.Should().NotBeNull();
        request.Keyframes[1].Mask.Should().BeNull();
        _engine.Calls.Should().ContainSingle().Which.Should().Be((0, 1, 1, 0), "masks are segmented ungrown: propagation grows them");
    }

    [Fact]
    public void No_key_frames_is_a_400_that_tells_the_user_what_to_do()
    {
        var act = () => RequestMapper.ToDragRequest(Array.Empty<KeyframeDto>(), null, _clip, _engine);
        var ex = act.Should().Throw<StudioApiException>().Which;
        ex.Status.Should().Be(400);
        ex.Field.Should().Be("keyframes");
        ex.Message.Should().Contain("handle");
    }

    [Fact]
    public void A_missing_target_names_its_field()
    {
        var act = () => RequestMapper.ToDragRequest(new[] { new KeyframeDto(0, new[] { new PairDto(new PointDto(1, 1), null) }) }, null, _clip, _engine);
        act.Should().Throw<StudioApiException>().Which.Field.Should().Be("keyframes[0].pairs[0].target");
    }

    [Fact]
    public void A_point_outside_the_frame_is_rejected_by_the_sdk_validator()
    {
        var act = () => RequestMapper.ToDragRequest(new[] { new KeyframeDto(0, new[] { Pair(1, 1, 25, 1) }) }, null, _clip, _engine);
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[0].pairs[0].target.x");
    }

    [Fact]
    public void Negative_mask_clicks_alone_and_frames_outside_the_clip_are_refused()
    {
        var neg = () => RequestMapper.ToDragRequest(new[] { new KeyframeDto(0, new[] { Pair(1, 1, 5, 1) }, new MaskClicksDto(null, new[] { new PointDto(3, 3) })) }, null, _clip, _engine);
        neg.Should().Throw<StudioApiException>().Which.Field.Should().Be("keyframes[0].mask.positive");
        var frame = () => RequestMapper.ToDragRequest(new[] { new KeyframeDto(4, new[] { Pair(1, 1, 5, 1) }) }, null, _clip, _engine);
        frame.Should().Throw<StudioApiException>().Which.Field.Should().Be("keyframes[0].frame");
    }

    [Fact]
    public void Errors_map_to_statuses_and_unknown_errors_hide_their_details()
    {
        ApiErrorText.Map(new InvalidMediaException("not a video"), 1).Should().Be((400, new ApiError("invalid-media", "not a video")));
        ApiErrorText.Map(new InvalidMediaException("the file has no video stream", "/srv/work/uploads/abc.upload"), 1).Body.Message
            .Should().Be("Not a readable video: the file has no video stream.");
        ApiErrorText.Map(new InvalidMediaException("not a readable video: /w/u.upload: Invalid data", "/w/u.upload"), 1).Body.Message
            .Should().Be("Not a readable video: Invalid data.");
        ApiErrorText.Map(new StudioBusyException("r1"), 1).Status.Should().Be(409);
        ApiErrorText.Map(new StudioBusyException("r1"), 1).Body.Error.Should().Be("busy");
        ApiErrorText.Map(new InvalidDragRequestException("keyframes", "bad"), 1).Body.Field.Should().Be("keyframes");
        ApiErrorText.Map(new BadHttpRequestException("too big", 413), 5L * 1024 * 1024).Body.Message.Should().Contain("5 MiB");
        var hidden = ApiErrorText.Map(new NullReferenceException("at /secret/path"), 1);
        hidden.Status.Should().Be(500);
        hidden.Body.Message.Should().NotContain("secret");
    }

    [Fact]
    public void Edit_parameters_default_to_the_papers_ui_and_out_of_range_values_name_their_field()
    {
        var d = new EditParamsDto();
        (d.PixelSteps, d.Lambda, d.InversionStrength, d.LatentLr, d.Radius).Should().Be((40, 0.1, 0.75, 0.01, 10));
        (d.LoraSteps, d.LoraLr, d.LoraRank, d.LoraBatch).Should().Be((100, 5e-4, 16, 12));
        d.Invoking(p => p.Validate()).Should().NotThrow();
        var act = () => (d with { InversionStrength = 1.5 }).Validate();
        act.Should().Throw<StudioApiException>().Which.Field.Should().Be("params.inversionStrength");
        new ClipLoadSettings(Size: 250).Check()!.Value.Field.Should().Be("size");
        new ClipLoadSettings().Check().Should().BeNull();
    }

    /// <summary>Only the segmenter is needed to map requests; it records its calls and marks a small square.</summary>
    private sealed class RecordingSegmenter : IStudioEngine
    {
        public List<(int Frame, int Positive, int Negative, int Radius)> Calls { get; } = new();
        public string BackendName => "test";

        public BinaryMask Segment(VideoClip clip, int frame, IReadOnlyList<DragPoint> positive, IReadOnlyList<DragPoint> negative, int radius)
        {
            Calls.Add((frame, positive.Count, negative.Count, radius));
            return BinaryMask.FromFunction(clip.Width, clip.Height, (x, y) => x < 10 && y < 10);
        }

        public VideoClip Load(string path, ClipLoadSettings settings, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");
        public void WriteMp4(VideoClip clip, string path) => throw new InvalidOperationException("not used");
        public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, int radius, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");
        public VideoClip RenderOverlay(VideoClip clip, PropagatedInstruction instruction) => throw new InvalidOperationException("not used");
        public Task<EditResult> EditAsync(VideoClip clip, DragRequest request, EditParamsDto parameters, IProgress<EditProgress> progress, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");
        public IReadOnlyDictionary<string, double> Metrics(VideoClip original, VideoClip edited, PropagatedInstruction instruction, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");
        public VideoClip SideBySide(VideoClip original, VideoClip edited) => throw new InvalidOperationException("not used");
    }
}
