using System.Diagnostics;

namespace DragVideo.Media;

/// <summary>
/// A running ffmpeg/ffprobe process with piped standard streams. Standard error is drained in the background (only the
/// last lines are kept, so a chatty tool cannot fill memory or block on a full pipe); cancellation kills the process.
/// </summary>
internal sealed class ToolProcess : IDisposable
{
    private const int KeptErrorLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _errorTail = new();
    private readonly Task _stderrPump;
    private readonly CancellationTokenRegistration _cancel;

    public ToolProcess(string exe, IEnumerable<string> arguments, bool redirectInput, bool redirectOutput, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {exe}.");
        _stderrPump = Task.Run(PumpErrorsAsync);
        _cancel = cancellationToken.Register(Kill);
    }

    /// <summary>The tool's standard input (raw bytes).</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>The tool's standard output (raw bytes).</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>The last lines the tool wrote to standard error, joined.</summary>
    public string ErrorTail
    {
        get { lock (_errorTail) return string.Join(" | ", _errorTail); }
    }

    /// <summary>Waits for the tool to exit and returns its exit code.</summary>
    public int WaitForExit(CancellationToken cancellationToken)
    {
        _process.WaitForExit();
        _stderrPump.Wait(TimeSpan.FromSeconds(5));
        cancellationToken.ThrowIfCancellationRequested();
        return _process.ExitCode;
    }

    /// <summary>Kills the tool (and its children) if it is still running.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    private async Task PumpErrorsAsync()
    {
        try
        {
            string? line;
            while ((line = await _process.StandardError.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                if (line.Length == 0) continue;
                if (line.Length > 300) line = line[..300];
                lock (_errorTail)
                {
                    _errorTail.Enqueue(line.Trim());
                    while (_errorTail.Count > KeptErrorLines) _errorTail.Dequeue();
                }
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill();
        _cancel.Dispose();
        _process.Dispose();
    }
}
