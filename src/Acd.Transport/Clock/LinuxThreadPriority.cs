using System.Runtime.InteropServices;

namespace Acd.Transport.Clock;

/// <summary>
/// The Linux nice value of the calling thread. .NET's <see cref="Thread.Priority"/> does nothing on Linux (threads
/// run SCHED_OTHER, whose only priority is 0), so a pacing thread that must wake every millisecond on a busy box
/// asks the kernel for a lower nice value itself: the scheduler then gives it a larger share and preempts others
/// when it wakes. Needs CAP_SYS_NICE (root, or <c>AmbientCapabilities=CAP_SYS_NICE</c> / <c>LimitNICE=</c> in the
/// systemd unit); without it the call fails and the thread keeps its nice value.
/// </summary>
internal static class LinuxThreadPriority
{
    private const int PrioProcess = 0; // with a thread id as "who": that thread only (Linux)

    /// <summary>
    /// Sets the calling thread's nice value (null: leaves it); returns the value it runs at (null off Linux), and the
    /// errno when refused (0 otherwise).
    /// </summary>
    public static (int? Niceness, int Error) TrySet(int? niceness)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, 0);
        }

        var tid = NativeMethods.gettid();
        var error = niceness is not { } n || NativeMethods.setpriority(PrioProcess, tid, n) == 0 ? 0 : Marshal.GetLastPInvokeError();
        return (NativeMethods.getpriority(PrioProcess, tid), error);
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int setpriority(int which, int who, int prio);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int getpriority(int which, int who);

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int gettid();
    }
}
