//! The scheduler's half of stack switching (the calls' half, and the protocol, are in
//! [`crate::wasix::stack`]): once a process's `_start` has returned because a call
//! unwound it, complete the operation — make a fork's child, keep a checkpoint — and
//! rewind into the saved frames; and switch a process to a checkpoint for `stack_restore`.

use super::*;
use crate::spawn::SPAWN_HEADROOM;
use crate::stack_state::Resume;
use crate::stack_state::Snapshot;
use crate::stack_state::Unwound;
use crate::wasix::stack::{HEADER, MAX_SNAPSHOTS, MAX_UNWIND, buffer_below, call_export};
use abi::wasix::{AsyncifyData, StackSnapshot};

impl Kernel {
    /// `_start` returned after `op` unwound the stack: complete `op` and rewind.
    pub(super) fn complete_unwind(&mut self, mut task: Task, op: Unwound) {
        let data_ptr = task.store.data().data.stack.data_ptr;
        if let Err(e) = self.guest_call(&mut task, "asyncify_stop_unwind", &[]) {
            return self.die(task, &format!("stack unwind failed: {e}\n"));
        }
        let outcome = match op {
            Unwound::Fork => self.fork_child(&mut task, data_ptr).map(u64::from),
            Unwound::Checkpoint(jmp_buf) => {
                self.save_snapshot(&mut task, data_ptr, jmp_buf).map(|()| 0)
            }
        };
        let resume = match outcome {
            Ok(value) => Resume {
                errno: Errno::Success,
                value,
            },
            Err(errno) => Resume { errno, value: 0 },
        };
        if let Err(msg) = self.rewind(&mut task, data_ptr, resume) {
            return self.die(task, &msg);
        }
        self.requeue(task);
    }

    /// `stack_restore`: switch `task` to the checkpoint it asked for.
    pub(super) fn restore(&mut self, mut task: Task) {
        let Some((tag, value)) = task.store.data_mut().data.stack.restore.take() else {
            return self.die(task, "stack restore without a target\n");
        };
        match self.load_snapshot(&mut task, tag) {
            Ok(data_ptr) => {
                let resume = Resume {
                    errno: Errno::Success,
                    value,
                };
                if let Err(msg) = self.rewind(&mut task, data_ptr, resume) {
                    return self.die(task, &msg);
                }
                self.requeue(task);
            }
            Err(msg) => self.die(task, &msg),
        }
    }

    pub(super) fn requeue(&mut self, task: Task) {
        let pid = task.pid;
        self.tasks.insert(pid, task);
        self.ready.push_back(pid);
    }

    fn die(&mut self, mut task: Task, msg: &str) {
        self.report(&mut task, msg);
        self.finish(task, ExitStatus::Signal(signal::ABRT));
    }

    /// Calls one of the guest's asyncify control exports between slices: WebAssembly
    /// that is not the process's own work, so it is not preempted (and, under fuel, gets
    /// its own budget).
    fn guest_call(
        &mut self,
        task: &mut Task,
        name: &str,
        args: &[Val],
    ) -> Result<(), wasmi::Error> {
        let fuel = self.home().limits.slice_fuel;
        let _ = task.store.set_fuel(fuel);
        self.home().platform.nested_run(true);
        let result = call_export(&mut task.store, &task.instance, name, args);
        self.home().platform.nested_run(false);
        result
    }

    /// Starts rewinding `task` into the frames at `data_ptr`, to return `resume` from
    /// the call that unwound them; its next slice calls `_start` again.
    fn rewind(&mut self, task: &mut Task, data_ptr: u32, resume: Resume) -> Result<(), String> {
        task.store.data_mut().data.stack.resume = Some(resume);
        self.guest_call(task, "asyncify_start_rewind", &[Val::I32(data_ptr as i32)])
            .map_err(|e| format!("stack rewind failed: {e}\n"))?;
        let start = task
            .instance
            .get_typed_func::<(), ()>(&task.store, "_start")
            .map_err(|_| String::from("no `_start` to rewind into\n"))?;
        task.state = Some(State::New(start));
        Ok(())
    }

    /// The `i32` global `name` the module exports, if any.
    fn global_u32(task: &Task, name: &str) -> Option<u32> {
        match task
            .instance
            .get_global(&task.store, name)?
            .get(&task.store)
        {
            Val::I32(v) => Some(v as u32),
            _ => None,
        }
    }

    /// Keeps the frames just unwound as the checkpoint of `jmp_buf` and writes its
    /// identity into the guest's `jmp_buf` (`stack_snapshot`: user u64, hash 16 bytes).
    fn save_snapshot(&mut self, task: &mut Task, data_ptr: u32, jmp_buf: u32) -> Result<(), Errno> {
        let sp = Self::global_u32(task, "__stack_pointer").ok_or(Errno::NotSup)?;
        let memory = task.store.data().data.memory.ok_or(Errno::NotSup)?;
        let mem = crate::mem::GuestMem::new(memory.data_mut(&mut task.store));
        let frames_at = data_ptr + HEADER;
        let header = mem.read_struct::<AsyncifyData>(data_ptr)?;
        let len = header.current.checked_sub(frames_at).ok_or(Errno::Fault)?;
        if len > MAX_UNWIND {
            return Err(Errno::NoMem);
        }
        let src = mem.slice(frames_at, len)?;
        let mut frames = Vec::new();
        crate::failpoint::reserve(&mut frames, src.len())?;
        frames.extend_from_slice(src);
        let stack = &mut task.store.data_mut().data.stack;
        stack.counter += 1;
        let tag = stack.counter;
        while stack.snapshots.len() >= MAX_SNAPSHOTS {
            let Some(victim) = eviction_victim(&stack.snapshots) else {
                break;
            };
            stack.snapshots.remove(&victim);
        }
        stack.snapshots.insert(
            tag,
            Snapshot {
                frames,
                stack_pointer: sp,
                jmp_buf,
                made: tag,
            },
        );
        let bytes = memory.data_mut(&mut task.store);
        let mut mem = crate::mem::GuestMem::new(bytes);
        // The call checked the whole snapshot before unwinding; `user` is the guest's.
        let mut snapshot = mem.read_struct::<StackSnapshot>(jmp_buf)?;
        snapshot.hash = [tag, u64::from(jmp_buf)];
        mem.write_struct(jmp_buf, &snapshot)?;
        Ok(())
    }

    /// Writes the checkpoint `tag` back below its stack pointer and sets the stack
    /// pointer to it; gives the asyncify data address to rewind from.
    fn load_snapshot(&mut self, task: &mut Task, tag: u64) -> Result<u32, String> {
        let stale = || String::from("stack_restore: the checkpoint is gone\n");
        let (sp, len) = {
            let s = task
                .store
                .data()
                .data
                .stack
                .snapshots
                .get(&tag)
                .ok_or_else(stale)?;
            (s.stack_pointer, s.frames.len() as u32)
        };
        let floor = Self::global_u32(task, "__data_end")
            .filter(|&e| e < sp)
            .unwrap_or(1024);
        let (data_ptr, end) = buffer_below(sp, floor, len, len)
            .ok_or_else(|| String::from("stack_restore: no room below the stack pointer\n"))?;
        let memory = task.store.data().data.memory.ok_or_else(stale)?;
        let (bytes, proc) = memory.data_and_store_mut(&mut task.store);
        let frames = &proc
            .data
            .stack
            .snapshots
            .get(&tag)
            .ok_or_else(stale)?
            .frames;
        let mut mem = crate::mem::GuestMem::new(bytes);
        let fault = |_| String::from("stack_restore: bad memory\n");
        let header = AsyncifyData {
            current: data_ptr + HEADER + len,
            end,
        };
        mem.write(data_ptr + HEADER, frames).map_err(fault)?;
        mem.write_struct(data_ptr, &header).map_err(fault)?;
        let sp_global = task
            .instance
            .get_global(&task.store, "__stack_pointer")
            .ok_or_else(stale)?;
        sp_global
            .set(&mut task.store, Val::I32(sp as i32))
            .map_err(|e| format!("stack_restore: {e}\n"))?;
        Ok(data_ptr)
    }

    /// Makes the child of a fork: the same program, a copy of the memory and mutable
    /// globals (the frames unwound into it included), shared open files, the working
    /// directory, root, environment, dispositions and checkpoints. Its rewind is started;
    /// it runs from its next slice. Gives the child's pid.
    fn fork_child(&mut self, parent: &mut Task, data_ptr: u32) -> Result<Pid, Errno> {
        let ppid = parent.pid;
        let sys = self.sys.as_mut().expect("system home");
        if sys.counted_processes() >= sys.limits.max_procs {
            return Err(Errno::Again);
        }
        let pdata = &parent.store.data().data;
        let memory = pdata.memory.ok_or(Errno::NotSup)?;
        let size = memory.data_size(&parent.store);
        let needed = size.saturating_mul(2).saturating_add(SPAWN_HEADROOM);
        if sys.memory_available().is_some_and(|free| free < needed) {
            return Err(Errno::Again);
        }
        let (name, cmdline, ignored, handler) = match sys.procs.get(&ppid) {
            Some(i) => (i.name.clone(), i.cmdline.clone(), i.ignored, i.handler),
            None => return Err(Errno::Srch),
        };
        let pid = sys.next_pid;
        let data = ProcData {
            pid,
            args: pdata.args.clone(),
            env: pdata.env.clone(),
            fds: pdata.fds.inherit(&mut sys.files, false),
            memory: None,
            cpu_ns: 0,
            call_start: None,
            retrying: false,
            progress: 0,
            root: pdata.root,
            cwd: pdata.cwd.clone(),
            signal_handler: pdata.signal_handler.clone(),
            in_handler: false,
            handler_fresh: None,
            interrupt_value: None,
            linux_signals: pdata.linux_signals,
            legacy_abi: pdata.legacy_abi,
            stack: crate::stack_state::StackState {
                snapshots: pdata.stack.snapshots.clone(),
                counter: pdata.stack.counter,
                ..Default::default()
            },
            thread_locals: pdata.thread_locals.clone(),
        };
        let (store, instance, _) = sys.instantiate(&name, &parent.module, data).map_err(|e| {
            log::info!("fork: {}", e.message);
            Errno::Again
        })?;
        let mut child = Task {
            pid,
            store,
            instance,
            module: parent.module.clone(),
            state: None,
            // The image copied from the parent is past its start function.
            then_start: None,
        };
        if let Err(e) = Self::copy_image(parent, &mut child) {
            let sys = self.sys.as_mut().expect("system home");
            let System {
                fs, files, events, ..
            } = &mut **sys;
            child.store.data_mut().data.fds.close_all(fs, files);
            files.drain_events(events);
            return Err(e);
        }
        let sys = self.sys.as_mut().expect("system home");
        sys.next_pid += 1;
        let mut info = ProcInfo::new(ppid, name, ignored);
        info.cmdline = cmdline;
        info.handler = handler;
        info.pgid = sys.procs.get(&ppid).map_or(pid, |p| p.pgid);
        sys.procs.insert(pid, info);
        child.store.data_mut().home = Rc::clone(&self.home);
        let resume = Resume {
            errno: Errno::Success,
            value: 0,
        };
        if let Err(msg) = self.rewind(&mut child, data_ptr, resume) {
            self.die(child, &msg);
        } else {
            self.requeue(child);
        }
        log::debug!("pid {ppid} forked pid {pid}");
        Ok(pid)
    }

    /// Copies the parent's linear memory and exported mutable globals into the child.
    fn copy_image(parent: &Task, child: &mut Task) -> Result<(), Errno> {
        let src = parent.store.data().data.memory.ok_or(Errno::NotSup)?;
        let dst = child.store.data().data.memory.ok_or(Errno::NotSup)?;
        let (have, want) = (dst.size(&child.store), src.size(&parent.store));
        if want > have {
            dst.grow(&mut child.store, want - have)
                .map_err(|_| Errno::Again)?;
        }
        let bytes = src.data(&parent.store);
        let out = dst.data_mut(&mut child.store);
        if out.len() != bytes.len() {
            return Err(Errno::Again);
        }
        out.copy_from_slice(bytes);
        for export in parent.module.module.exports() {
            if !matches!(export.ty(), wasmi::ExternType::Global(g) if g.mutability() == wasmi::Mutability::Var)
            {
                continue;
            }
            let name = export.name();
            if let (Some(from), Some(to)) = (
                parent.instance.get_global(&parent.store, name),
                child.instance.get_global(&child.store, name),
            ) {
                let value = from.get(&parent.store);
                to.set(&mut child.store, value).map_err(|_| Errno::NotSup)?;
            }
        }
        Ok(())
    }
}

/// The snapshot to drop from a full table: the newest of those a later checkpoint on the
/// same `jmp_buf` has superseded (reachable only through a copy of that `jmp_buf`; in a
/// `setjmp` loop, the previous round's), else the oldest.
pub(crate) fn eviction_victim(snapshots: &BTreeMap<u64, Snapshot>) -> Option<u64> {
    let superseded = |s: &Snapshot| {
        snapshots
            .values()
            .any(|o| o.jmp_buf == s.jmp_buf && o.made > s.made)
    };
    snapshots
        .iter()
        .filter(|(_, s)| superseded(s))
        .max_by_key(|(_, s)| s.made)
        .or_else(|| snapshots.iter().min_by_key(|(_, s)| s.made))
        .map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(made_in: &[u32]) -> BTreeMap<u64, Snapshot> {
        made_in
            .iter()
            .enumerate()
            .map(|(i, &jmp_buf)| {
                let made = i as u64 + 1;
                let s = Snapshot {
                    frames: Vec::new(),
                    stack_pointer: 0,
                    jmp_buf,
                    made,
                };
                (made, s)
            })
            .collect()
    }

    #[test]
    fn eviction_drops_the_newest_superseded_snapshot_else_the_oldest() {
        // 1 (buffer 100) was saved away by a copy; 2, 3, 4 are rounds of a loop on 200.
        assert_eq!(eviction_victim(&table(&[100, 200, 200, 200])), Some(3));
        // Nothing superseded: the oldest.
        assert_eq!(eviction_victim(&table(&[100, 200, 300])), Some(1));
        // 1 superseded by 3: it goes before 2, though 2 is older than 3.
        assert_eq!(eviction_victim(&table(&[100, 200, 100])), Some(1));
        assert_eq!(eviction_victim(&BTreeMap::new()), None);
    }
}
