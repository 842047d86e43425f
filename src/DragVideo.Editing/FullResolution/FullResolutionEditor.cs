using System.Diagnostics;
using System.Globalization;
using DragVideo.Editing.Fast;
using DragVideo.Media;
using DragVideo.Media.Streaming;
using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.FullResolution;

/// <summary>
/// Edits a whole video — every frame, at its native size and rate, with its sound — instead of a working excerpt.
/// The drag is propagated (and, for a diffusion editor, edited) on a small working clip of key frames; each key frame's
/// edit becomes a dense deformation field (<see cref="KeyframeField"/>: the fast backend's warp, or for any other editor
/// the flow from the original to the edited key frame plus an appearance residual); the fields are interpolated along the
/// propagated motion to every source frame (<see cref="FieldTimeline"/>) and applied to the source frames at native
/// size, leaving every pixel outside the editable region untouched. Files stream decode → warp → encode through
/// ffmpeg in the source's planar pixel format, so the whole clip is never held in memory.
/// </summary>
public sealed class FullResolutionEditor
{
    private const int Prefetch = 4;
    private readonly IVideoDragEditor _editor;
    private readonly IOpticalFlow _flow;

    /// <summary>Creates a full-resolution editor around the fast weight-free backend with default options.</summary>
    public FullResolutionEditor()
        : this(new FastWarpDragEditor())
    {
    }

    /// <summary>Creates a full-resolution editor.</summary>
    /// <param name="editor">the editor that edits the working clip: <see cref="FastWarpDragEditor"/> (its warp is used
    /// directly) or any other (its edited key frames are turned into fields by optical flow).</param>
    /// <param name="options">options (null = defaults); validated here.</param>
    /// <param name="flow">flow used to extract fields from another editor's key frames and for smoothing (null = <see cref="PyramidalOpticalFlow"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">an option is invalid.</exception>
    public FullResolutionEditor(IVideoDragEditor editor, FullResolutionOptions? options = null, IOpticalFlow? flow = null)
    {
        ArgumentNullException.ThrowIfNull(editor);
        _editor = editor;
        Options = options ?? FullResolutionOptions.Default;
        Options.Validate();
        _flow = flow ?? new PyramidalOpticalFlow();
    }

    /// <summary>The options in use.</summary>
    public FullResolutionOptions Options { get; }

    /// <summary>
    /// Edits a clip held in memory at its own size and frame count. The request is in the clip's pixels and frame
    /// indices. The result's instruction has one entry per frame: pairs interpolated between working frames and, as
    /// the mask, the region the edit actually changed.
    /// </summary>
    /// <param name="clip">frames <c>[F, 3, H, W]</c> in [0, 1], F ≥ 2; not modified.</param>
    /// <param name="request">the drag, validated against the clip.</param>
    /// <param name="progress">stage reports.</param>
    /// <param name="cancellationToken">checked between frames.</param>
    /// <exception cref="InvalidDragRequestException">the request does not fit the clip.</exception>
    public Task<EditResult> EditClipAsync(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(request);
        DragRequestValidator.Validate(request, clip.FrameCount, clip.Width, clip.Height);
        if (clip.FrameCount < 2) throw new InvalidDragRequestException("clip", $"a full-resolution edit needs at least two frames; got {clip.FrameCount}.");
        return Task.Run(() => EditClipCoreAsync(clip, request, progress, cancellationToken), cancellationToken);
    }

    private async Task<EditResult> EditClipCoreAsync(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress, CancellationToken ct)
    {
        TorchRuntime.EnsureLoaded();
        var timings = new Dictionary<EditStage, TimeSpan>();
        var watch = Stopwatch.StartNew();
        var geometry = WorkingGeometry.For(clip.Width, clip.Height, Options.WorkingWidth, Options.WorkingMultipleOf);
        var selector = new WorkingFrameSelector(clip.Fps, Options.KeyframeRate, request.Keyframes.Select(k => k.FrameIndex));
        var indices = Enumerable.Range(0, clip.FrameCount).Where(selector.IsSelected).ToList();
        if (indices[^1] != clip.FrameCount - 1) indices.Add(clip.FrameCount - 1);
        CheckWorkingCount(indices.Count);
        VideoClip working;
        using (var scope = NewDisposeScope())
        {
            var picked = clip.Frames.index_select(0, torch.tensor(indices.Select(i => (long)i).ToArray(), device: clip.Frames.device)).to(CPU);
            var small = F.interpolate(picked, new long[] { geometry.Height, geometry.Width }, mode: InterpolationMode.Area);
            working = new VideoClip(small.contiguous().MoveToOuterDisposeScope(), selector.WorkingFps);
        }
        (FieldTimeline Timeline, PropagatedInstruction Instruction, string Backend) built;
        using (working)
            built = await BuildTimelineAsync(working, geometry, indices, request, progress, ct).ConfigureAwait(false);
        using var timeline = built.Timeline;
        timings[EditStage.Propagation] = watch.Elapsed;

        watch.Restart();
        var output = clip.Frames.detach().clone();
        var unit = new[] { new[] { 1f, 0, 0 }, new[] { 0, 1f, 0 }, new[] { 0, 0, 1f } };
        var frames = new FrameInstruction[clip.FrameCount];
        try
        {
            for (int f = 0; f < clip.FrameCount; f++)
            {
                ct.ThrowIfCancellationRequested();
                using var pause = GcPause.Begin();
                using var scope = NewDisposeScope();
                var field = timeline.FieldAt(f);
                BinaryMask changed;
                if (field is not null && PlaneWarper.EditableBox(field) is { } box)
                {
                    var frame = output[f];
                    (Tensor Inside, int X0, int Y0)? region = null;
                    for (int c = 0; c < 3; c++) region = PlaneWarper.Apply(field, frame[c], unit[c], box);
                    var map = torch.zeros(clip.Height, clip.Width);
                    if (region is { } r)
                    {
                        map[TensorIndex.Slice(r.Y0, r.Y0 + r.Inside.shape[0]), TensorIndex.Slice(r.X0, r.X0 + r.Inside.shape[1])] =
                            r.Inside.to_type(ScalarType.Float32);
                    }
                    changed = BinaryMask.FromTensor(map);
                }
                else
                {
                    changed = BinaryMask.Filled(clip.Width, clip.Height, false);
                }
                frames[f] = InterpolatedInstruction(f, indices, built.Instruction, geometry, changed);
                progress?.Report(new EditProgress(EditStage.Warping, f + 1, clip.FrameCount, $"frame {f + 1}/{clip.FrameCount}"));
            }
        }
        catch
        {
            output.Dispose();
            throw;
        }
        timings[EditStage.Warping] = watch.Elapsed;
        progress?.Report(new EditProgress(EditStage.Completed, 1, 1, "done"));
        return new EditResult(new VideoClip(output, clip.Fps), new PropagatedInstruction(frames), timings, built.Backend);
    }

    /// <summary>
    /// Edits the video file <paramref name="inputPath"/> into <paramref name="outputPath"/> (<c>.mp4</c>, <c>.m4v</c>,
    /// <c>.mov</c> or <c>.mkv</c>; H.264): every frame at the source's displayed size, its exact frame rate and frame count,
    /// in its pixel format where H.264 can store it, with its audio streams copied. The request is in the source's pixels
    /// (as displayed) and frame indices. The output is written to a temporary file, checked (frame count and size) and
    /// only then moved into place; the input is only read.
    /// </summary>
    /// <param name="inputPath">the source video.</param>
    /// <param name="outputPath">the edited video (replaced if it exists).</param>
    /// <param name="request">the drag in source coordinates.</param>
    /// <param name="progress">stage reports; the streaming pass reports <see cref="EditStage.Warping"/> per frame.</param>
    /// <param name="cancellationToken">stops ffmpeg and removes every temporary file.</param>
    /// <returns>what was written, every deviation from the source, and the timings.</returns>
    /// <exception cref="FileNotFoundException">the input does not exist.</exception>
    /// <exception cref="InvalidMediaException">the input is unreadable, or variable-rate with <see cref="VariableFrameRateHandling.Refuse"/>.</exception>
    /// <exception cref="MemoryBudgetExceededException">the edit would not fit <see cref="FullResolutionOptions.MemoryBudgetBytes"/>; nothing was decoded.</exception>
    /// <exception cref="InvalidDragRequestException">the request does not fit the source.</exception>
    /// <exception cref="ArgumentException">the output extension is not supported.</exception>
    /// <exception cref="IOException">the output could not be written or did not verify.</exception>
    public Task<FullResolutionEditReport> EditFileAsync(string inputPath, string outputPath, DragRequest request,
        IProgress<EditProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        ArgumentNullException.ThrowIfNull(request);
        string container = AudioMuxer.ContainerFor(outputPath);
        string outFull = Path.GetFullPath(outputPath);
        if (string.Equals(Path.GetFullPath(inputPath), outFull, StringComparison.Ordinal))
            throw new ArgumentException($"the output '{outputPath}' is the input; write the edit to another file.", nameof(outputPath));
        return Task.Run(() => EditFileCoreAsync(inputPath, outFull, container, request, progress, cancellationToken), cancellationToken);
    }

    private async Task<FullResolutionEditReport> EditFileCoreAsync(string inputPath, string outFull, string container, DragRequest request,
        IProgress<EditProgress>? progress, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        progress?.Report(new EditProgress(EditStage.Preparing, 1, 3, "probing the source"));
        var source = StreamingProbe.Probe(inputPath, ct);
        var notes = new List<string>();
        bool constantRate = false;
        if (source.IsVariableFrameRate)
        {
            if (Options.VariableFrameRate == VariableFrameRateHandling.Refuse)
                throw new InvalidMediaException($"the video has a variable frame rate (average {source.Fps:0.###} fps); convert it to a constant rate first " +
                    $"(ffmpeg -i in -fps_mode cfr -r {source.FrameRate} out.mp4) or allow VariableFrameRateHandling.ConvertToConstant", inputPath);
            constantRate = true;
            notes.Add($"the source has a variable frame rate; it was resampled to a constant {source.Fps:0.###} fps (frames repeated or dropped to keep the timing), so the frame count follows the duration.");
        }
        if (source.RotationDegrees != 0)
            notes.Add($"the source is displayed rotated by {source.RotationDegrees}°; frames were edited as displayed ({source.Width}×{source.Height}) and written upright without rotation metadata.");
        DragRequestValidator.Validate(request, source.FrameCountHint, source.Width, source.Height);
        var (pixelFormat, formatNote) = PlanarLayout.ChooseProcessingFormat(source.PixelFormat, source.Width, source.Height);
        if (formatNote is not null) notes.Add(formatNote);
        var layout = PlanarLayout.For(pixelFormat, source.Width, source.Height);
        var geometry = WorkingGeometry.For(source.Width, source.Height, Options.WorkingWidth, Options.WorkingMultipleOf);
        var selector = new WorkingFrameSelector(source.Fps, Options.KeyframeRate, request.Keyframes.Select(k => k.FrameIndex));
        CheckMemory(source, layout, geometry, selector);

        // 1. The working clip: every source frame decoded small, the selected ones kept.
        progress?.Report(new EditProgress(EditStage.Preparing, 2, 3, $"decoding the working clip at {geometry.Width}×{geometry.Height}"));
        var (kept, indices, sourceFrames) = DecodeWorking(source, geometry, selector, constantRate, request, ct);
        TorchRuntime.EnsureLoaded();
        var preparation = watch.Elapsed;

        // 2. Propagation (and the working edit) → key-frame fields.
        watch.Restart();
        (FieldTimeline Timeline, PropagatedInstruction Instruction, string Backend) built;
        using (var working = VideoClip.FromRgb24(kept, geometry.Width, geometry.Height, selector.WorkingFps))
        {
            kept.Clear();
            built = await BuildTimelineAsync(working, geometry, indices, request, progress, ct).ConfigureAwait(false);
        }
        using var timeline = built.Timeline;
        var propagation = watch.Elapsed;

        // 3. Streaming pass: decode → warp → encode, in the source's planar format.
        watch.Restart();
        string dir = Path.GetDirectoryName(outFull)!;
        Directory.CreateDirectory(dir);
        string stem = $".{Path.GetFileName(outFull)}.{Guid.NewGuid():N}";
        string videoTemp = Path.Combine(dir, stem + ".video.tmp");
        string finalTemp = Path.Combine(dir, stem + ".tmp");
        var warpWatch = new Stopwatch();
        int written;
        AudioOutcome audio;
        try
        {
            using (var decoder = RawFrameDecoder.Open(source, layout.PixelFormat, layout.Width, layout.Height, constantRate, Prefetch, ct))
            using (var encoder = RawFrameEncoder.Start(videoTemp, layout, source.FrameRate, Options.Crf, Options.Preset, container,
                       decoder.Return, Prefetch, ct))
            {
                var residual = layout.Planes.Select(p => PlaneWarper.ResidualWeights(p.Kind, source.ColorSpace, source.FullRange)).ToArray();
                int index = 0;
                while (decoder.Next(ct) is byte[] frame)
                {
                    ct.ThrowIfCancellationRequested();
                    warpWatch.Start();
                    using (GcPause.Begin()) WarpFrame(timeline, index, frame, layout, residual);
                    warpWatch.Stop();
                    encoder.Write(frame, ct);
                    index++;
                    if (index % 5 == 0 || index == sourceFrames)
                        progress?.Report(new EditProgress(EditStage.Warping, index, sourceFrames, $"frame {index}/{sourceFrames} (decode → warp → encode)"));
                }
                encoder.Complete(ct);
                written = encoder.FramesWritten;
            }
            if (written != sourceFrames)
                throw new IOException($"the source decoded to {sourceFrames} frames in the first pass and {written} in the second; the file may be damaged.");

            (audio, string? audioNote) = Options.CopyAudio
                ? AudioMuxer.Mux(videoTemp, source, finalTemp, container, ct)
                : (source.Audio.Count == 0 ? AudioOutcome.NoAudio : AudioOutcome.Dropped, source.Audio.Count == 0 ? null : "audio copying was turned off; the output has no audio.");
            if (!Options.CopyAudio) File.Move(videoTemp, finalTemp, overwrite: true);
            if (audioNote is not null) notes.Add(audioNote);

            var check = MediaProbe.Probe(finalTemp, ct);
            if (check.FrameCount != written || check.Width != layout.Width || check.Height != layout.Height)
                throw new IOException($"the written video has {check.FrameCount} frames of {check.Width}×{check.Height}; expected {written} of {layout.Width}×{layout.Height}.");
            File.Move(finalTemp, outFull, overwrite: true);
        }
        finally
        {
            TryDelete(videoTemp);
            TryDelete(finalTemp);
        }
        var streaming = watch.Elapsed;
        progress?.Report(new EditProgress(EditStage.Completed, 1, 1, $"wrote {outFull}"));
        return new FullResolutionEditReport(outFull, layout.Width, layout.Height, source.FrameRate, written, layout.PixelFormat, audio, notes,
            built.Backend, geometry.Width, geometry.Height, indices, built.Instruction, preparation, propagation, streaming, warpWatch.Elapsed);
    }

    /// <summary>
    /// Decodes every source frame at the working size and keeps the working frames (the selected ones and the last).
    /// Returns their rgb24 buffers, their source indices and the number of source frames.
    /// </summary>
    private (List<byte[]> Kept, List<int> Indices, int SourceFrames) DecodeWorking(SourceStreamInfo source, WorkingGeometry geometry,
        WorkingFrameSelector selector, bool constantRate, DragRequest request, CancellationToken ct)
    {
        var indices = new List<int>();
        var kept = new List<byte[]>();
        int sourceFrames = 0;
        using (var decoder = RawFrameDecoder.Open(source, "rgb24", geometry.Width, geometry.Height, constantRate, Prefetch, ct))
        {
            byte[]? last = null;
            bool lastKept = false;
            while (decoder.Next(ct) is byte[] frame)
            {
                if (last is not null && !lastKept) decoder.Return(last);
                lastKept = selector.IsSelected(sourceFrames);
                if (lastKept)
                {
                    indices.Add(sourceFrames);
                    kept.Add(frame);
                    CheckWorkingCount(indices.Count);
                }
                last = frame;
                sourceFrames++;
            }
            if (sourceFrames == 0) throw new InvalidMediaException("no frame could be decoded", source.Path);
            // The last frame is always a working frame, so every source frame lies between two key fields.
            if (!lastKept && last is not null)
            {
                indices.Add(sourceFrames - 1);
                kept.Add(last);
            }
        }
        int maxKey = request.Keyframes.Max(k => k.FrameIndex);
        if (maxKey >= sourceFrames)
            throw new InvalidDragRequestException("keyframes", $"key frame {maxKey} is beyond the {sourceFrames} frames the video decodes to.");
        if (sourceFrames < 2) throw new InvalidMediaException("a full-resolution edit needs at least two frames; the video has one", source.Path);
        return (kept, indices, sourceFrames);
    }

    /// <summary>
    /// Only the propagation step of <see cref="EditFileAsync"/>: the working frames of <paramref name="inputPath"/> and the
    /// (smoothed) instruction on them, exactly as an edit with these options would use them (for measuring an edit
    /// made earlier with <see cref="Metrics.FileEditMetrics"/>).
    /// </summary>
    /// <param name="inputPath">the source video.</param>
    /// <param name="request">the drag in source coordinates.</param>
    /// <param name="cancellationToken">checked between frames.</param>
    public Task<WorkingPropagation> PropagateFileAsync(string inputPath, DragRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentNullException.ThrowIfNull(request);
        return Task.Run(() =>
        {
            var source = StreamingProbe.Probe(inputPath, cancellationToken);
            DragRequestValidator.Validate(request, source.FrameCountHint, source.Width, source.Height);
            var geometry = WorkingGeometry.For(source.Width, source.Height, Options.WorkingWidth, Options.WorkingMultipleOf);
            var selector = new WorkingFrameSelector(source.Fps, Options.KeyframeRate, request.Keyframes.Select(k => k.FrameIndex));
            bool constantRate = source.IsVariableFrameRate && Options.VariableFrameRate == VariableFrameRateHandling.ConvertToConstant;
            var (kept, indices, _) = DecodeWorking(source, geometry, selector, constantRate, request, cancellationToken);
            TorchRuntime.EnsureLoaded();
            using var working = VideoClip.FromRgb24(kept, geometry.Width, geometry.Height, selector.WorkingFps);
            var workingRequest = MapRequest(request, geometry, indices);
            var propagator = _editor is FastWarpDragEditor fast ? fast.Propagator : new DragInstructionPropagator();
            var instruction = propagator.Propagate(working, workingRequest, cancellationToken);
            if (Options.Smoothing is { } smoothing)
                instruction = new InstructionSmoother(smoothing, _flow).Smooth(instruction, workingRequest.Keyframes.Select(k => k.FrameIndex).ToHashSet());
            return new WorkingPropagation(instruction, indices, geometry.Width, geometry.Height);
        }, cancellationToken);
    }

    /// <summary>Warps one planar frame buffer in place by the timeline's field for <paramref name="sourceIndex"/>.</summary>
    private static void WarpFrame(FieldTimeline timeline, int sourceIndex, byte[] frame, PlanarLayout layout, float[][] residual)
    {
        using var scope = NewDisposeScope();
        var field = timeline.FieldAt(sourceIndex);
        if (field is null || PlaneWarper.EditableBox(field) is not { } box) return;
        var buffer = torch.tensor(frame, new long[] { frame.Length });
        for (int p = 0; p < layout.Planes.Count; p++)
        {
            var plane = layout.Planes[p];
            var view = buffer.narrow(0, plane.Offset, (long)plane.Width * plane.Height).view(plane.Height, plane.Width);
            PlaneWarper.Apply(field, view, timeline.HasResidual ? residual[p] : null, box);
        }
        buffer.data<byte>().CopyTo(frame);
    }

    /// <summary>Propagates (or edits) on the working clip and turns every working frame's edit into a field.</summary>
    private async Task<(FieldTimeline, PropagatedInstruction, string)> BuildTimelineAsync(VideoClip working, WorkingGeometry geometry,
        IReadOnlyList<int> sourceIndices, DragRequest request, IProgress<EditProgress>? progress, CancellationToken ct)
    {
        var workingRequest = MapRequest(request, geometry, sourceIndices);
        var fields = new List<KeyframeField>(sourceIndices.Count);
        try
        {
            PropagatedInstruction instruction;
            if (_editor is FastWarpDragEditor fast)
            {
                progress?.Report(new EditProgress(EditStage.Propagation, 1, 2, $"propagating the drag over {working.FrameCount} working frames"));
                instruction = fast.Propagator.Propagate(working, workingRequest, ct);
                if (instruction.Frames.Count != working.FrameCount)
                    throw new DragVideoException($"the propagator returned {instruction.Frames.Count} frame instructions for {working.FrameCount} working frames.");
                Tensor?[]? disagreement = null;
                if (Options.Smoothing is { } smoothing)
                {
                    var smoother = new InstructionSmoother(smoothing, _flow);
                    instruction = smoother.Smooth(instruction, workingRequest.Keyframes.Select(k => k.FrameIndex).ToHashSet());
                    disagreement = smoother.DisagreementMaps(working, instruction, ct);
                }
                try
                {
                    for (int k = 0; k < working.FrameCount; k++)
                    {
                        ct.ThrowIfCancellationRequested();
                        using var pause = GcPause.Begin();
                        var field = KeyframeField.FromWarp(sourceIndices[k], instruction.Frames[k], geometry.Width, geometry.Height, fast.Options);
                        fields.Add(field);
                        if (disagreement?[k] is { } map) InstructionSmoother.Exclude(field.Data, map);
                    }
                }
                finally
                {
                    if (disagreement is not null) foreach (var m in disagreement) m?.Dispose();
                }
                progress?.Report(new EditProgress(EditStage.Propagation, 2, 2, "key-frame fields ready"));
            }
            else
            {
                using var result = await _editor.EditAsync(working, workingRequest, progress, ct).ConfigureAwait(false);
                instruction = result.Instruction;
                if (result.EditedClip.FrameCount != working.FrameCount || result.EditedClip.Width != working.Width || result.EditedClip.Height != working.Height)
                    throw new DragVideoException($"the editor '{_editor.Name}' returned a clip of a different shape than the working clip.");
                for (int k = 0; k < working.FrameCount; k++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    fields.Add(KeyframeField.FromEdit(sourceIndices[k], working.Frames[k], result.EditedClip.Frames[k], instruction.Frames[k], _flow,
                        FastWarpOptions.Default.FeatherRadius));
                }
            }
            return (new FieldTimeline(fields), instruction, _editor.Name);
        }
        catch
        {
            foreach (var f in fields) f.Dispose();
            throw;
        }
    }

    /// <summary>The request in working pixels and working frame indices.</summary>
    internal static DragRequest MapRequest(DragRequest request, WorkingGeometry geometry, IReadOnlyList<int> sourceIndices)
    {
        var keys = request.Keyframes.Select(k =>
        {
            int w = IndexOf(sourceIndices, k.FrameIndex);
            var pairs = k.Pairs.Select(p => new DragPair(geometry.ToWorking(p.Handle), geometry.ToWorking(p.Target))).ToArray();
            return new KeyframeDrag(w, pairs, k.Mask is null ? null : geometry.ToWorking(k.Mask));
        }).ToArray();
        return request with { Keyframes = keys };
    }

    private static int IndexOf(IReadOnlyList<int> sorted, int value)
    {
        for (int i = 0; i < sorted.Count; i++) if (sorted[i] == value) return i;
        throw new InvalidOperationException($"source frame {value} is not a working frame.");
    }

    /// <summary>Frame <paramref name="f"/>'s instruction in clip pixels: pairs interpolated in time between the working frames around it.</summary>
    internal static FrameInstruction InterpolatedInstruction(int f, IReadOnlyList<int> indices, PropagatedInstruction working, WorkingGeometry g, BinaryMask mask)
    {
        int hi = 0;
        while (hi < indices.Count - 1 && indices[hi] < f) hi++;
        int lo = indices[hi] == f || hi == 0 ? hi : hi - 1;
        var a = working.Frames[lo];
        var b = working.Frames[hi];
        float t = indices[hi] == indices[lo] ? 0 : (f - indices[lo]) / (float)(indices[hi] - indices[lo]);
        var pairs = new DragPair[a.Pairs.Count];
        for (int i = 0; i < pairs.Length; i++)
        {
            var pa = a.Pairs[i];
            var pb = b.Pairs[i];
            pairs[i] = new DragPair(
                g.ToSource(new DragPoint(pa.Handle.X + t * (pb.Handle.X - pa.Handle.X), pa.Handle.Y + t * (pb.Handle.Y - pa.Handle.Y))),
                g.ToSource(new DragPoint(pa.Target.X + t * (pb.Target.X - pa.Target.X), pa.Target.Y + t * (pb.Target.Y - pa.Target.Y))));
        }
        var nearest = t < 0.5f ? a : b;
        return new FrameInstruction(f, pairs, mask, nearest.Visible, nearest.Confidence);
    }

    private void CheckWorkingCount(int count)
    {
        if (count > Options.MaxWorkingFrames)
            throw new InvalidMediaException(string.Create(CultureInfo.InvariantCulture,
                $"the video needs more than {Options.MaxWorkingFrames} working frames at {Options.KeyframeRate?.ToString(CultureInfo.InvariantCulture) ?? "every"} key frames per second; lower KeyframeRate (--keyframe-rate) or raise MaxWorkingFrames"));
    }

    /// <summary>Refuses a source whose frames would not fit <see cref="FullResolutionOptions.MemoryBudgetBytes"/>.</summary>
    private void CheckMemory(SourceStreamInfo source, PlanarLayout layout, WorkingGeometry geometry, WorkingFrameSelector selector)
    {
        long workingFrames = Math.Min(source.FrameCountHint, (long)Math.Ceiling(source.FrameCountHint / selector.Step) + 2 + selector.KeyCount);
        long workingFrameBytes = 3L * geometry.Width * geometry.Height * 4;
        // Propagation holds the clip, its pyramids and per-frame flows and masks (≈ 8 copies); fields are 6 channels.
        long propagation = workingFrames * workingFrameBytes * 8 + workingFrames * 2L * geometry.Width * geometry.Height * 4;
        long pixels = (long)source.Width * source.Height;
        // In flight: decoder and encoder queues plus the frame being warped; the warp's float temporaries (≈ 16 floats a pixel).
        long streaming = layout.FrameBytes * (2L * Prefetch + 4) + pixels * 16 * 4;
        long need = Math.Max(propagation, streaming) + workingFrames * 2L * geometry.Width * geometry.Height * 4;
        if (need > Options.MemoryBudgetBytes)
            throw new MemoryBudgetExceededException(nameof(FullResolutionOptions.MemoryBudgetBytes), need, Options.MemoryBudgetBytes, string.Create(CultureInfo.InvariantCulture,
                $"a full-resolution edit of {source.Path} needs about {MemoryBudgetExceededException.FormatBytes(need)} ({source.Width}×{source.Height}, {workingFrames} working frames of {geometry.Width}×{geometry.Height}); " +
                $"the memory budget is {MemoryBudgetExceededException.FormatBytes(Options.MemoryBudgetBytes)}: lower the key-frame rate or working width, or raise MemoryBudgetBytes"));
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
