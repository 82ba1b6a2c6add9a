// The task every stand-in model gives its agent, one step per turn: write a file, run a shell
// command, commit, try the user's SSH key, read the file back, answer. A turn's step is the
// number of tool results in the request, so the stand-in keeps no state between requests and
// a side request (titles, quota checks: no tools offered) gets a plain answer instead.
export const FINAL_ANSWER = 'Task complete: notes written, command run, committed, key refused.';
export const NOTES = 'written by the agent\n';

/** Each step is a tool kind (write, shell, read) with its arguments, or the final text. */
export function taskSteps(workdir) {
  return [
    { kind: 'write', path: `${workdir}/notes.txt`, content: NOTES },
    { kind: 'shell', command: 'uname -s > uname.txt' },
    { kind: 'shell', command: 'git add notes.txt uname.txt && git -c user.name=Agent -c user.email=agent@example.invalid commit -q -m "agent commit" && echo committed' },
    // The denial lands in a file the test reads: the agent itself carries on either way.
    { kind: 'shell', command: 'cat ~/.ssh/id_rsa > ssh-attempt.txt 2>&1; echo "exit=$?" >> ssh-attempt.txt' },
    { kind: 'read', path: `${workdir}/notes.txt` },
    { kind: 'final', text: FINAL_ANSWER },
  ];
}

export function stepAt(workdir, toolResults) {
  const steps = taskSteps(workdir);
  return steps[Math.min(toolResults, steps.length - 1)];
}
