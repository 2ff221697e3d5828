package loadbench

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a process has to exit after SIGTERM before it is
// killed.
const stopGrace = 5 * time.Second

// tailBytes is how much of a process's output is kept for error messages.
const tailBytes = 64 << 10

// process is a child the harness started and must stop. Each child runs in
// a process group of its own, so a Ctrl-C at the terminal reaches only the
// harness, which then stops its children in order; and each is killed by
// the kernel if the harness dies without cleaning up (see sysProcAttr).
type process struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // Wait's result, set before done is closed
	// grace is how long stop waits after SIGTERM.
	grace time.Duration
}

// startProcess starts argv. Its stdout and stderr are kept, the last
// tailBytes of them, for error messages.
func startProcess(name string, argv []string) (*process, error) {
	p := &process{name: name, out: &tail{}, done: make(chan struct{}), grace: stopGrace}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", name, strings.Join(argv, " "), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid is the process id, the key to its /proc files.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// output is the end of what the process printed.
func (p *process) output() string { return p.out.String() }

// stop ends the process: SIGTERM to its process group, then SIGKILL after
// its grace period. It returns once the process is reaped; calling it again does
// nothing.
func (p *process) stop() {
	if p.exited() {
		return
	}
	// The group's id is the child's pid (Setpgid), so this reaches the child
	// and anything it started, and nothing else.
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(p.grace):
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
}

// failure describes a process that ended early, with the end of its output.
func (p *process) failure() error {
	<-p.done
	msg := "exited"
	if p.err != nil {
		msg = p.err.Error()
	}
	out := strings.TrimSpace(p.output())
	if out == "" {
		return fmt.Errorf("%s %s", p.name, msg)
	}
	return fmt.Errorf("%s %s; its output ends:\n%s", p.name, msg, indentLines(out, "    "))
}

// tail keeps the last tailBytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailBytes; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func indentLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
