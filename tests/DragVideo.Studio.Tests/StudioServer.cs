using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DragVideo.Testing;

namespace DragVideo.Studio.Tests;

/// <summary>The built Studio app run as a process on a free loopback port, for HTTP-level tests.</summary>
public sealed class StudioServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private StudioServer(Process process, string url, string workDir)
    {
        _process = process;
        Url = url;
        WorkDir = workDir;
    }

    /// <summary>Base URL, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    /// <summary>The <c>--work-dir</c> given to the app (a new empty folder).</summary>
    public string WorkDir { get; }

    /// <summary>What the app printed.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>The app's dll in its own build output (built with this test project, which references it).</summary>
    public static string Dll
    {
        get
        {
            string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
            string dll = Path.Combine(Fixtures.RepositoryRoot, "samples", "DragVideo.Studio", "bin", config, "net10.0", "DragVideo.Studio.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build samples/DragVideo.Studio first ({dll} is missing).", dll);
        }
    }

    /// <summary>Starts the app and waits until <c>/api/config</c> answers.</summary>
    public static async Task<StudioServer> StartAsync(params string[] args)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        string url = $"http://127.0.0.1:{port}";
        string work = Directory.CreateTempSubdirectory("studio-test-work-").FullName;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Dll, "--urls", url, "--work-dir", work }.Concat(args)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var server = new StudioServer(p, url, work);
        p.OutputDataReceived += (_, e) => { lock (server._log) server._log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (server._log) server._log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            if (p.HasExited) throw new InvalidOperationException($"the Studio exited early ({p.ExitCode}):\n{server.Log}");
            try
            {
                if ((await http.GetAsync(url + "/api/config")).IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline)
            {
                server.Dispose();
                throw new TimeoutException($"the Studio did not start within 120 s:\n{server.Log}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>A client without cookies (like another site's &lt;img&gt; tags).</summary>
    public HttpClient Anonymous() => new(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(Url) };

    /// <summary>A client that keeps the session cookie (like the page).</summary>
    public HttpClient Browser() => new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(Url) };

    /// <summary>Stops the app (SIGTERM via Kill of the process only) and removes the work folder.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { }
    }
}
