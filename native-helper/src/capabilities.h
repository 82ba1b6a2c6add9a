/*
 * The capabilities that let a process leave privilege behind in a file for
 * someone else to pick up after the sandbox ends.
 */
#ifndef NONO_CAPABILITIES_H
#define NONO_CAPABILITIES_H

/*
 * Removes CAP_SETFCAP, CAP_FSETID and CAP_MKNOD from this process's bounding,
 * permitted, effective and inheritable sets (and so from its ambient set).
 */
void drop_file_privilege_capabilities(void);

#endif
