using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace DragVideo.Studio.Tests;

/// <summary>
/// The Studio's HTTP faults of docs/reliability.md, against the real app in a process: sessions, host filtering, body
/// limits and the shared memory budget.
/// </summary>
[Trait("Category", "Slow")]
public sealed class StudioHttpReliabilityTests : IAsyncLifetime
{
    private StudioServer _server = null!;
    private string _video = null!;

    public async Task InitializeAsync()
    {
        // 1 MiB uploads, 4 KiB JSON bodies, and a budget of 16 MiB: one clip of 16 frames of 256² (12 MiB) fits, two do not.
        _server = await StudioServer.StartAsync("--max-upload-mb", "1", "--max-json-kb", "4", "--max-memory-mb", "16");
        _video = Path.Combine(_server.WorkDir, "..", $"studio-test-{Guid.NewGuid():N}.mp4");
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var a in new[] { "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=96x96:rate=6", "-frames:v", "12", "-pix_fmt", "yuv420p", _video })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0);
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        File.Delete(_video);
        return Task.CompletedTask;
    }

    private MultipartFormDataContent Upload(byte[]? bytes = null, int size = 256, int maxFrames = 16)
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(bytes ?? File.ReadAllBytes(_video)), "video", "clip.mp4" },
            { new StringContent(size.ToString(System.Globalization.CultureInfo.InvariantCulture)), "size" },
            { new StringContent(maxFrames.ToString(System.Globalization.CultureInfo.InvariantCulture)), "maxFrames" },
        };
        return form;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Cookie_less_gets_create_no_session_and_cannot_evict_a_real_one()
    {
        using var page = _server.Browser();
        var loaded = await page.PostAsync("/api/clips", Upload(size: 64, maxFrames: 4));
        loaded.StatusCode.Should().Be(HttpStatusCode.OK, await loaded.Content.ReadAsStringAsync());
        string clipId = (await Json(loaded)).GetProperty("id").GetString()!;

        using var foreign = _server.Anonymous();
        for (int i = 0; i < 100; i++)
        {
            var r = await foreign.GetAsync($"/api/clips/{clipId}/frames/0");
            r.StatusCode.Should().Be(HttpStatusCode.NotFound);
            r.Headers.Contains("Set-Cookie").Should().BeFalse("a lookup must not start a session");
        }
        (await page.GetAsync($"/api/clips/{clipId}/frames/0")).StatusCode.Should().Be(HttpStatusCode.OK, "the real session survived");
        Directory.EnumerateDirectories(Path.Combine(_server.WorkDir, "clips")).Should().ContainSingle();
    }

    [Fact]
    public async Task A_cross_site_post_is_refused_and_creates_nothing()
    {
        using var foreign = _server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clips") { Content = Upload(size: 64, maxFrames: 4) };
        request.Headers.Add("Origin", "http://evil.example");
        var r = await foreign.SendAsync(request);
        r.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        r.Headers.Contains("Set-Cookie").Should().BeFalse();
        (await Json(r)).GetProperty("error").GetString().Should().Be("forbidden-origin");
    }

    [Fact]
    public async Task A_foreign_host_header_gets_a_json_400()
    {
        using var client = _server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/config");
        request.Headers.Host = "rebound.example";
        var r = await client.SendAsync(request);
        r.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        r.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = await Json(r);
        body.GetProperty("error").GetString().Should().Be("bad-host");
        body.GetProperty("message").GetString().Should().Contain("rebound.example");
    }

    [Fact]
    public async Task A_json_body_over_its_own_small_limit_is_refused_with_413()
    {
        using var page = _server.Browser();
        string big = "{\"name\":\"" + new string('a', 8 * 1024) + "\"}";
        var declared = await page.PostAsync("/api/clips/library", new StringContent(big, Encoding.UTF8, "application/json"));
        declared.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        declared.Headers.ConnectionClose.Should().BeTrue("the unread body leaves the connection unusable, and the client must not reuse it");
        (await Json(declared)).GetProperty("message").GetString().Should().Contain("4 KiB");

        // Chunked (no Content-Length): cut off by the server's limit while reading.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clips/library") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        var r = await page.SendAsync(request);
        r.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, await r.Content.ReadAsStringAsync());
        r.Headers.ConnectionClose.Should().BeTrue();
    }

    [Fact]
    public async Task An_upload_one_byte_over_the_limit_is_refused_and_one_at_the_limit_is_read()
    {
        using var page = _server.Browser();
        var over = await page.PostAsync("/api/clips", Upload(new byte[(1 << 20) + 1]));
        over.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        over.Headers.ConnectionClose.Should().BeTrue();
        (await Json(over)).GetProperty("error").GetString().Should().Be("too-large");

        var atLimit = await page.PostAsync("/api/clips", Upload(new byte[1 << 20]));
        atLimit.StatusCode.Should().Be(HttpStatusCode.BadRequest, "exactly the limit is accepted and then found not to be a video");
        (await Json(atLimit)).GetProperty("error").GetString().Should().Be("invalid-media");
    }

    [Fact]
    public async Task Clips_beyond_the_shared_memory_budget_get_503_across_sessions()
    {
        using var first = _server.Browser();
        (await first.PostAsync("/api/clips", Upload(size: 256, maxFrames: 16))).StatusCode.Should().Be(HttpStatusCode.OK);
        using var second = _server.Browser();
        var r = await second.PostAsync("/api/clips", Upload(size: 256, maxFrames: 16));
        r.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var body = await Json(r);
        body.GetProperty("error").GetString().Should().Be("server-busy");
        body.GetProperty("message").GetString().Should().Contain("--max-memory-mb");
        Directory.EnumerateDirectories(Path.Combine(_server.WorkDir, "clips")).Should().ContainSingle("the refused load left no folder");
    }
}
