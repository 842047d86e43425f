namespace DragVideo.Media;

/// <summary>
/// The preview pipeline behind <c>dragvideo preview</c>: decode a video, load its drag-request JSON against the decoded
/// frames, propagate the instruction to every frame, and write an overlay mp4 plus a contact sheet PNG. Inputs are only
/// read; every output is written to a temporary file and moved into place, so a failure leaves no output behind.
/// </summary>
public static class InstructionPreview
{
    /// <summary>File name of the overlay video inside the output folder.</summary>
    public const string OverlayFileName = "overlay.mp4";

    /// <summary>File name of the contact sheet inside the output folder.</summary>
    public const string ContactSheetFileName = "contact_sheet.png";

    /// <summary>Runs the preview pipeline.</summary>
    /// <param name="videoPath">input video (any format ffmpeg reads).</param>
    /// <param name="requestPath">drag-request JSON; its coordinates refer to the decoded frames (after sizing/sampling).</param>
    /// <param name="outputDirectory">folder for <see cref="OverlayFileName"/> and <see cref="ContactSheetFileName"/> (created if needed).</param>
    /// <param name="propagator">carries key-frame points and masks to every frame (e.g. DragVideo.Tracking's DragInstructionPropagator).</param>
    /// <param name="options">decode options (default: kps 6, ≤ 24 frames, multiple of 8).</param>
    /// <param name="contactSheetFrames">frames shown in the contact sheet (default 6).</param>
    /// <param name="style">overlay style.</param>
    /// <param name="cancellationToken">cancels decoding, propagation and encoding.</param>
    /// <exception cref="InvalidMediaException">the video cannot be decoded.</exception>
    /// <exception cref="InvalidDragRequestException">the request is malformed or does not fit the decoded clip.</exception>
    public static PreviewResult Render(string videoPath, string requestPath, string outputDirectory, IInstructionPropagator propagator,
        VideoReadOptions? options = null, int contactSheetFrames = 6, OverlayStyle? style = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoPath);
        ArgumentException.ThrowIfNullOrEmpty(requestPath);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(propagator);
        using var clip = VideoReader.Read(videoPath, options, cancellationToken);
        var request = DragRequestJson.Load(requestPath, clip.Width, clip.Height, clip.FrameCount);
        cancellationToken.ThrowIfCancellationRequested();
        var instruction = propagator.Propagate(clip, request, cancellationToken);
        using var overlay = InstructionOverlay.Render(clip, instruction, style);
        using var sheet = ContactSheet.Render(clip, overlay, contactSheetFrames);

        string overlayPath = Path.Combine(outputDirectory, OverlayFileName);
        string sheetPath = Path.Combine(outputDirectory, ContactSheetFileName);
        // Both outputs go to temporary names first; they are moved into place only after both encodes succeeded.
        using var overlayOut = new OutputFile(overlayPath);
        using var sheetOut = new OutputFile(sheetPath);
        VideoWriter.RunEncoder(overlay, overlayOut.TempPath, VideoWriter.Mp4Arguments(overlay, 18), cancellationToken);
        WrittenVideo.Verify(overlayOut.TempPath, overlay.FrameCount, (overlay.Width + 1) / 2 * 2, (overlay.Height + 1) / 2 * 2, overlay.Fps, cancellationToken);
        ImageFile.EncodePngTo(sheet, sheetOut.TempPath, cancellationToken);
        WrittenVideo.Verify(sheetOut.TempPath, 1, (int)sheet.shape[^1], (int)sheet.shape[^2], null, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        overlayOut.Commit();
        sheetOut.Commit();
        return new PreviewResult(overlayPath, sheetPath, clip.Width, clip.Height, clip.FrameCount, clip.Fps, instruction);
    }
}
