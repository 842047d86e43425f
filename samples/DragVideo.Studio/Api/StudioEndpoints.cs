using System.Globalization;
using System.Text.Json;
using DragVideo.Studio.Clips;
using DragVideo.Studio.Engine;
using DragVideo.Studio.Hosting;
using DragVideo.Studio.Imaging;
using DragVideo.Studio.Runs;
using DragVideo.Studio.Sessions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace DragVideo.Studio.Api;

/// <summary>The Studio's HTTP API (all under <c>/api</c>; every error is an <see cref="ApiError"/> JSON body).</summary>
public static class StudioEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(WebApplication app, StudioContext studio)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(studio);
        var api = app.MapGroup("/api");

        api.MapGet("/config", () => Results.Ok(new
        {
            backend = studio.Engine.BackendName,
            maxUploadBytes = studio.Options.MaxUploadBytes,
            library = studio.Library.IsEnabled,
            defaults = new
            {
                load = new ClipLoadSettings(),
                parameters = new EditParamsDto(),
                prompt = DragRequest.DefaultPrompt,
            },
        }));

        api.MapGet("/library", () => Results.Ok(studio.Library.List().Select(f => new LibraryItemDto(f.Name, f.Bytes))));

        api.MapPost("/clips", async (HttpContext http) =>
        {
            var session = studio.Sessions.GetOrCreate(http);
            await RefuseOversizedUploadAsync(http, studio.Options.MaxUploadBytes).ConfigureAwait(false);
            if (!http.Request.HasFormContentType)
                throw StudioApiException.BadRequest("video", "Send the video as multipart/form-data in a field named 'video'.");
            var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            var file = form.Files.GetFile("video") ?? throw StudioApiException.BadRequest("video", "Choose a video file to upload.");
            if (file.Length == 0) throw StudioApiException.BadRequest("video", "The uploaded file is empty.");
            // The request limit allows for the multipart envelope; the file itself is held to the exact limit.
            if (file.Length > studio.Options.MaxUploadBytes) throw new BadHttpRequestException("upload too large", StatusCodes.Status413PayloadTooLarge);
            var settings = ReadSettings(form);
            string upload = Path.Combine(studio.UploadsFolder, Ids.New() + ".upload");
            try
            {
                await using (var target = new FileStream(upload, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                    await file.CopyToAsync(target, http.RequestAborted).ConfigureAwait(false);
                var info = await LoadClipAsync(studio, session, upload, UploadNames.ToDisplayName(file.FileName), settings, http.RequestAborted).ConfigureAwait(false);
                return Results.Ok(info);
            }
            finally
            {
                TryDelete(upload);
            }
        });

        api.MapPost("/clips/library", async (HttpContext http, LibraryLoadDto body) =>
        {
            var session = studio.Sessions.GetOrCreate(http);
            if (!studio.Library.IsEnabled)
                throw new StudioApiException(404, "no-library", "This server was started without --videos, so there is no folder to pick from.");
            string path = studio.Library.Resolve(body.Name)
                          ?? throw StudioApiException.BadRequest("name", "That video is not in the server's video folder.");
            var settings = new ClipLoadSettings(body.Kps, body.MaxFrames, body.Size);
            CheckSettings(settings);
            var info = await LoadClipAsync(studio, session, path, UploadNames.ToDisplayName(body.Name), settings, http.RequestAborted).ConfigureAwait(false);
            return Results.Ok(info);
        });

        api.MapGet("/clips/{id}", (HttpContext http, string id) => Results.Ok(Describe(FindClip(studio, http, id))));

        api.MapGet("/clips/{id}/frames/{index:int}", (HttpContext http, string id, int index) =>
        {
            var clip = FindClip(studio, http, id);
            if (index < 0 || index >= clip.Clip.FrameCount)
                throw StudioApiException.NotFound($"Frame {index} (the clip has {clip.Clip.FrameCount})");
            byte[] rgb = clip.Clip.ToRgb24(index);
            var png = PngEncoder.Encode(rgb, clip.Clip.Width, clip.Clip.Height, 3);
            http.Response.Headers.CacheControl = "private, max-age=3600"; // a clip id's frames never change
            return Results.File(png, "image/png");
        });

        api.MapGet("/clips/{id}/original.mp4", (HttpContext http, string id) =>
            VideoFile(FindClip(studio, http, id).OriginalVideoPath));

        api.MapGet("/clips/{id}/preview.mp4", (HttpContext http, string id) =>
            VideoFile(FindClip(studio, http, id).PreviewVideoPath));

        api.MapPost("/clips/{id}/mask", async (HttpContext http, string id, MaskRequestDto body) =>
        {
            var clip = FindClip(studio, http, id);
            if (body.Frame < 0 || body.Frame >= clip.Clip.FrameCount)
                throw StudioApiException.BadRequest("frame", $"frame {body.Frame} is outside the clip (0 … {clip.Clip.FrameCount - 1}).");
            if (body.Radius is < 0 or > 200) throw StudioApiException.BadRequest("radius", "radius must be 0 … 200 pixels.");
            var pos = RequestMapper.Points(body.Positive, "positive");
            var neg = RequestMapper.Points(body.Negative, "negative");
            if (pos.Count == 0) throw StudioApiException.BadRequest("positive", "Click at least once inside the region to edit (positive click).");
            foreach (var (p, i) in pos.Concat(neg).Select((p, i) => (p, i)))
                if (!p.IsInside(clip.Clip.Width, clip.Clip.Height))
                    throw StudioApiException.BadRequest(i < pos.Count ? $"positive[{i}]" : $"negative[{i - pos.Count}]", "click is outside the frame.");
            var mask = await Task.Run(() => studio.Engine.Segment(clip.Clip, body.Frame, pos, neg, body.Radius), http.RequestAborted).ConfigureAwait(false);
            var png = PngEncoder.Encode(MaskOverlay.ToRgba(mask), mask.Width, mask.Height, 4);
            http.Response.Headers["X-Mask-Area"] = mask.Count.ToString(CultureInfo.InvariantCulture);
            return Results.File(png, "image/png");
        });

        api.MapPost("/clips/{id}/propagate", async (HttpContext http, string id, PropagateRequestDto body) =>
        {
            var clip = FindClip(studio, http, id);
            await clip.Gate.WaitAsync(http.RequestAborted).ConfigureAwait(false);
            try
            {
                var result = await Task.Run(() =>
                {
                    if (body.Radius is < 0 or > 200) throw StudioApiException.BadRequest("radius", "radius must be 0 … 200 pixels.");
                    var request = RequestMapper.ToDragRequest(body.Keyframes, null, clip.Clip, studio.Engine);
                    var instruction = studio.Engine.Propagate(clip.Clip, request, body.Radius, http.RequestAborted);
                    using (var overlay = studio.Engine.RenderOverlay(clip.Clip, instruction))
                        studio.Engine.WriteMp4(overlay, clip.PreviewVideoPath);
                    return instruction;
                }, http.RequestAborted).ConfigureAwait(false);
                var frames = result.Frames.Select(f => new PropagatedFrameDto(f.FrameIndex,
                    f.Pairs.Select(p => new PairDto(new PointDto(p.Handle.X, p.Handle.Y), new PointDto(p.Target.X, p.Target.Y))).ToList(),
                    f.Visible)).ToList();
                return Results.Ok(new PropagateResultDto($"/api/clips/{clip.Id}/preview.mp4?v={Ids.New()}", frames, result.MeanDragLength));
            }
            finally
            {
                clip.Gate.Release();
            }
        });

        api.MapPost("/clips/{id}/runs", (HttpContext http, string id, RunRequestDto body) =>
        {
            var session = studio.Sessions.Find(http) ?? throw StudioApiException.NotFound("The clip");
            var clip = FindClip(studio, http, id);
            var parameters = body.Params ?? new EditParamsDto();
            parameters.Validate();
            if (body.Prompt is { Length: > 500 }) throw StudioApiException.BadRequest("prompt", "The prompt is limited to 500 characters.");
            if (session.ActiveRun is { IsFinished: false } active) throw new StudioBusyException(active.Id);
            var request = RequestMapper.ToDragRequest(body.Keyframes, body.Prompt, clip.Clip, studio.Engine);
            var slot = studio.Budget.BeginRun();
            StudioRun run;
            try
            {
                run = studio.Runs.Start(session, clip.Id, Path.Combine(clip.Folder, "runs"), async (r, progress, ct) =>
                {
                    try
                    {
                        return await EditWork.RunAsync(studio, clip, r, request, parameters, progress, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        slot.Dispose();
                    }
                });
            }
            catch
            {
                slot.Dispose();
                throw;
            }
            return Results.Json(new RunStartedDto(run.Id, $"/api/runs/{run.Id}/events", $"/api/runs/{run.Id}/cancel",
                studio.Engine.BackendName), statusCode: StatusCodes.Status202Accepted);
        });

        api.MapGet("/runs/{id}", (HttpContext http, string id) =>
        {
            var run = FindRun(studio, http, id);
            return Results.Ok(new { runId = run.Id, status = run.Status.ToString().ToLowerInvariant(), outcome = run.Outcome?.Data });
        });

        api.MapGet("/runs/{id}/events", async (HttpContext http, string id, IOptions<JsonOptions> json) =>
        {
            var run = FindRun(studio, http, id);
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache, no-store";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            try
            {
                await foreach (var e in run.SubscribeAsync(http.RequestAborted).ConfigureAwait(false))
                {
                    string data = JsonSerializer.Serialize(e.Data, e.Data.GetType(), json.Value.SerializerOptions);
                    await http.Response.WriteAsync($"event: {e.Type}\ndata: {data}\n\n", http.RequestAborted).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // the page went away; the run goes on
            }
        });

        api.MapPost("/runs/{id}/cancel", (HttpContext http, string id) =>
        {
            var run = FindRun(studio, http, id);
            if (run.IsFinished)
                return Results.Json(new ApiError("not-running", $"The run has already {run.Status.ToString().ToLowerInvariant()}."), statusCode: 409);
            run.Cancel();
            return Results.Json(new { runId = run.Id, status = "cancelling" }, statusCode: StatusCodes.Status202Accepted);
        });

        api.MapGet("/runs/{id}/edited.mp4", (HttpContext http, string id) => RunVideo(studio, http, id, r => r.ResultVideoPath));
        api.MapGet("/runs/{id}/side-by-side.mp4", (HttpContext http, string id) => RunVideo(studio, http, id, r => r.SideBySideVideoPath));

        api.MapFallback(() => Results.Json(new ApiError("not-found", "No such API endpoint."), statusCode: 404));
    }

    private static async Task<ClipInfoDto> LoadClipAsync(StudioContext studio, StudioSession session, string path, string name,
        ClipLoadSettings settings, CancellationToken cancellationToken)
    {
        // The settings bound the decoded size (frames × size² RGB float); it is reserved before decoding, so a load that
        // does not fit the server's budget is refused without allocating, and the reservation lives as long as the clip.
        var reservation = studio.Budget.ReserveClip(StudioBudget.ClipBytesOf(settings.MaxFrames, settings.Size, settings.Size));
        string id = Ids.New();
        string folder = Path.Combine(studio.ClipsFolder, id);
        VideoClip? clip = null;
        try
        {
            Directory.CreateDirectory(folder);
            clip = await Task.Run(() => studio.Engine.Load(path, settings, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (clip.FrameCount < 2)
                throw new InvalidMediaException($"The video has {clip.FrameCount} frame at {settings.Kps} key frames per second; a drag edit needs at least 2 (raise kps or use a longer video).");
            var entry = new StudioClip(id, name, clip, folder, settings, reservation);
            await Task.Run(() => studio.Engine.WriteMp4(entry.Clip, entry.OriginalVideoPath), cancellationToken).ConfigureAwait(false);
            session.AddClip(entry);
            return Describe(entry);
        }
        catch
        {
            clip?.Dispose();
            reservation.Dispose();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// An upload whose declared length is over the limit gets a 413 JSON answer. A browser or HTTP client only reads an
    /// answer after it has sent its body, so a moderately oversized body is drained first (a huge one is cut off).
    /// </summary>
    private static async Task RefuseOversizedUploadAsync(HttpContext http, long maxUploadBytes)
    {
        long envelope = maxUploadBytes + 1024 * 1024;
        // Kestrel holds every body to the JSON limit; this one request may carry a video.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = envelope;
        if (http.Request.ContentLength is not { } length || length <= envelope) return;
        if (length <= Math.Max(4 * envelope, 64L * 1024 * 1024)
            && http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
            var buffer = new byte[81920];
            while (await http.Request.Body.ReadAsync(buffer, http.RequestAborted).ConfigureAwait(false) > 0) { }
        }
        throw new BadHttpRequestException("upload too large", StatusCodes.Status413PayloadTooLarge);
    }

    private static ClipInfoDto Describe(StudioClip c) =>
        new(c.Id, c.DisplayName, c.Clip.FrameCount, c.Clip.Width, c.Clip.Height, c.Clip.Fps, $"/api/clips/{c.Id}/original.mp4");

    private static ClipLoadSettings ReadSettings(IFormCollection form)
    {
        var d = new ClipLoadSettings();
        var s = new ClipLoadSettings(
            Number(form, "kps", d.Kps),
            (int)Number(form, "maxFrames", d.MaxFrames),
            (int)Number(form, "size", d.Size));
        CheckSettings(s);
        return s;
    }

    private static double Number(IFormCollection form, string field, double fallback)
    {
        string? text = form[field];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw StudioApiException.BadRequest(field, $"'{text}' is not a number.");
        return v;
    }

    private static void CheckSettings(ClipLoadSettings s)
    {
        if (s.Check() is { } problem) throw StudioApiException.BadRequest(problem.Field, problem.Message);
    }

    /// <summary>True for the one request that carries a video (multipart upload) rather than JSON.</summary>
    public static bool IsUpload(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HttpMethods.IsPost(request.Method) && string.Equals(request.Path.Value?.TrimEnd('/'), "/api/clips", StringComparison.OrdinalIgnoreCase);
    }

    // Lookups never create a session: a request without a valid session cookie gets 404 and leaves no trace.
    private static StudioClip FindClip(StudioContext studio, HttpContext http, string id) =>
        (Ids.IsWellFormed(id) ? studio.Sessions.Find(http)?.FindClip(id) : null) ?? throw StudioApiException.NotFound("The clip");

    private static StudioRun FindRun(StudioContext studio, HttpContext http, string id) =>
        (Ids.IsWellFormed(id) ? studio.Sessions.Find(http)?.FindRun(id) : null) ?? throw StudioApiException.NotFound("The run");

    private static IResult RunVideo(StudioContext studio, HttpContext http, string id, Func<StudioRun, string> path)
    {
        var run = FindRun(studio, http, id);
        if (run.Status != RunStatus.Completed) throw StudioApiException.NotFound("The run's result");
        return VideoFile(path(run));
    }

    private static IResult VideoFile(string path) =>
        File.Exists(path)
            ? Results.File(path, "video/mp4", enableRangeProcessing: true)
            : throw StudioApiException.NotFound("The video");

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
