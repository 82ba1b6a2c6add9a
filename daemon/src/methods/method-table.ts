// Every RPC method and the handler that serves it, in one table (tmux's cmd_table[]).
// A method missing here fails the build, because the table is typed against METHODS.
import type { MethodTable } from '../rpc/method-handler.js';
import { authHello } from './auth-hello.js';
import { daemonStatus } from './daemon-status.js';
import { daemonDoctor } from './daemon-doctor.js';
import { daemonStop } from './daemon-stop.js';
import { sessionRun } from './session-run.js';
import { sessionInput } from './session-input.js';
import { sessionResize } from './session-resize.js';
import { sessionSignal } from './session-signal.js';
import { sessionList } from './session-list.js';
import { sessionAttach } from './session-attach.js';
import { sessionDetach } from './session-detach.js';
import { sessionStop } from './session-stop.js';
import { sessionLogs } from './session-logs.js';
import { sessionInspect } from './session-inspect.js';
import { sessionPrune } from './session-prune.js';
import { sessionDiff, sessionRollback, sessionVerify } from './session-changes.js';
import { snapshotCreate } from './snapshot-create.js';
import { snapshotList } from './snapshot-list.js';
import { snapshotShow } from './snapshot-show.js';
import { snapshotDiff } from './snapshot-diff.js';
import { snapshotRestore } from './snapshot-restore.js';
import { snapshotVerify } from './snapshot-verify.js';
import { snapshotGc } from './snapshot-gc.js';
import { trustExportKey, trustKeygen } from './trust-keys.js';
import { trustList, trustSign, trustVerify } from './trust-files.js';
import { auditList, auditShow, auditVerify } from './audit-read.js';
import { auditExport } from './audit-export.js';
import { rpcDiscover } from './rpc-discover.js';
import { approvalSubscribe } from './approval-subscribe.js';
import { approvalList } from './approval-list.js';
import { approvalAnswer } from './approval-answer.js';
import { credentialList, credentialRm, credentialSet, credentialTest } from './credential-vault.js';
import { policyWhy } from './policy-why.js';
import { policyGroups } from './policy-groups.js';
import { policyShow } from './policy-show.js';
import { policyDiff } from './policy-diff.js';
import { profileValidate } from './profile-validate.js';
import { profileInit } from './profile-init.js';
import { profileList } from './profile-list.js';
import { profileUse } from './profile-use.js';
import { profileSchema } from './profile-schema.js';
import { profileGuide } from './profile-guide.js';
import { packPull, packUpdate } from './pack-install.js';
import { packList, packOutdated, packPin, packRemove, packSearch, packVerify } from './pack-inventory.js';
import { packPublish } from './pack-publish.js';
import { registryLogin, registryLogout, registryServe, registryStatus } from './registry-access.js';

export const METHOD_TABLE: MethodTable = {
  'auth.hello': authHello,
  'daemon.status': daemonStatus,
  'daemon.doctor': daemonDoctor,
  'daemon.stop': daemonStop,
  'session.run': sessionRun,
  'session.input': sessionInput,
  'session.resize': sessionResize,
  'session.signal': sessionSignal,
  'session.list': sessionList,
  'session.attach': sessionAttach,
  'session.detach': sessionDetach,
  'session.stop': sessionStop,
  'session.logs': sessionLogs,
  'session.inspect': sessionInspect,
  'session.diff': sessionDiff,
  'session.rollback': sessionRollback,
  'session.verify': sessionVerify,
  'snapshot.create': snapshotCreate,
  'snapshot.list': snapshotList,
  'snapshot.show': snapshotShow,
  'snapshot.diff': snapshotDiff,
  'snapshot.restore': snapshotRestore,
  'snapshot.verify': snapshotVerify,
  'snapshot.gc': snapshotGc,
  'trust.keygen': trustKeygen,
  'trust.exportKey': trustExportKey,
  'trust.sign': trustSign,
  'trust.verify': trustVerify,
  'trust.list': trustList,
  'audit.list': auditList,
  'audit.show': auditShow,
  'audit.verify': auditVerify,
  'audit.export': auditExport,
  'session.prune': sessionPrune,
  'policy.why': policyWhy,
  'policy.groups': policyGroups,
  'policy.show': policyShow,
  'policy.diff': policyDiff,
  'profile.validate': profileValidate,
  'profile.init': profileInit,
  'profile.use': profileUse,
  'profile.list': profileList,
  'profile.schema': profileSchema,
  'profile.guide': profileGuide,
  'credential.set': credentialSet,
  'credential.list': credentialList,
  'credential.rm': credentialRm,
  'credential.test': credentialTest,
  'registry.login': registryLogin,
  'registry.logout': registryLogout,
  'registry.status': registryStatus,
  'registry.serve': registryServe,
  'pack.pull': packPull,
  'pack.update': packUpdate,
  'pack.list': packList,
  'pack.remove': packRemove,
  'pack.outdated': packOutdated,
  'pack.search': packSearch,
  'pack.pin': packPin,
  'pack.verify': packVerify,
  'pack.publish': packPublish,
  'approval.subscribe': approvalSubscribe,
  'approval.list': approvalList,
  'approval.answer': approvalAnswer,
  'rpc.discover': rpcDiscover,
};
