/* maxrss CMD...: runs CMD and prints its peak RSS in KiB on stderr's last line; exits
 * with CMD's status. A process's ru_maxrss keeps the largest resident set it had under
 * any program, including the one before execve: a child made by vfork or posix_spawn
 * from a large driver reports the driver's size. This static C program is small, and its
 * fork copies only its few anonymous pages, so what it reports is the command's own. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        fputs("usage: maxrss CMD...\n", stderr);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        execv(argv[1], argv + 1);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) return 2;
    fprintf(stderr, "%ld\n", ru.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
