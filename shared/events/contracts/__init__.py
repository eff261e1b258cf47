"""Payload models of every event type: the contracts between services.

One module per producing service; this package is the one namespace consumers use
(``from shared.events import contracts as ev``; ``ev.ClusterFacts``) and from which
``shared.events.catalog`` collects the declared types.
"""

from shared.events.contracts.evaluation import (
    AccountPublished as AccountPublished,
)
from shared.events.contracts.evaluation import (
    ClusterFlagged as ClusterFlagged,
)
from shared.events.contracts.evaluation import (
    ClusterFlagLifted as ClusterFlagLifted,
)
from shared.events.contracts.evaluation import (
    EvaluationCancelled as EvaluationCancelled,
)
from shared.events.contracts.evaluation import (
    EvaluationCompleted as EvaluationCompleted,
)
from shared.events.contracts.evaluation import (
    EvaluationDue as EvaluationDue,
)
from shared.events.contracts.evaluation import (
    EvaluationFacts as EvaluationFacts,
)
from shared.events.contracts.evaluation import (
    EvaluationOverdue as EvaluationOverdue,
)
from shared.events.contracts.evaluation import (
    EvaluationScheduled as EvaluationScheduled,
)
from shared.events.contracts.evaluation import (
    LabelExpiring as LabelExpiring,
)
from shared.events.contracts.funding import (
    AgreementConcluded as AgreementConcluded,
)
from shared.events.contracts.funding import (
    AgreementConfirmed as AgreementConfirmed,
)
from shared.events.contracts.funding import (
    AgreementDeclined as AgreementDeclined,
)
from shared.events.contracts.funding import (
    AgreementPartyFacts as AgreementPartyFacts,
)
from shared.events.contracts.funding import (
    AgreementProposed as AgreementProposed,
)
from shared.events.contracts.funding import (
    AgreementStep as AgreementStep,
)
from shared.events.contracts.funding import (
    AgreementWithdrawn as AgreementWithdrawn,
)
from shared.events.contracts.funding import (
    CallAnnounced as CallAnnounced,
)
from shared.events.contracts.funding import (
    CallCancelled as CallCancelled,
)
from shared.events.contracts.funding import (
    CallClosed as CallClosed,
)
from shared.events.contracts.funding import (
    CallDecided as CallDecided,
)
from shared.events.contracts.funding import (
    CallFacts as CallFacts,
)
from shared.events.contracts.funding import (
    CallOpened as CallOpened,
)
from shared.events.contracts.funding import (
    CallPlanned as CallPlanned,
)
from shared.events.contracts.funding import (
    CallStateChanged as CallStateChanged,
)
from shared.events.contracts.funding import (
    DialogueAnswered as DialogueAnswered,
)
from shared.events.contracts.funding import (
    DialogueClosed as DialogueClosed,
)
from shared.events.contracts.funding import (
    DialogueOmission as DialogueOmission,
)
from shared.events.contracts.funding import (
    DialogueRequested as DialogueRequested,
)
from shared.events.contracts.funding import (
    FindingFacts as FindingFacts,
)
from shared.events.contracts.funding import (
    FindingRaised as FindingRaised,
)
from shared.events.contracts.funding import (
    FindingResolved as FindingResolved,
)
from shared.events.contracts.funding import (
    GrantAmended as GrantAmended,
)
from shared.events.contracts.funding import (
    GrantAwarded as GrantAwarded,
)
from shared.events.contracts.funding import (
    GrantFacts as GrantFacts,
)
from shared.events.contracts.funding import (
    GrantTerminated as GrantTerminated,
)
from shared.events.contracts.funding import (
    ProgrammeCreated as ProgrammeCreated,
)
from shared.events.contracts.gateway import (
    WebhookDisabled as WebhookDisabled,
)
from shared.events.contracts.referrals import (
    ActivityAnnounced as ActivityAnnounced,
)
from shared.events.contracts.referrals import (
    ActivityFacts as ActivityFacts,
)
from shared.events.contracts.referrals import (
    JointEventAgreed as JointEventAgreed,
)
from shared.events.contracts.referrals import (
    JointEventProposed as JointEventProposed,
)
from shared.events.contracts.referrals import (
    ReferralAccepted as ReferralAccepted,
)
from shared.events.contracts.referrals import (
    ReferralCancelled as ReferralCancelled,
)
from shared.events.contracts.referrals import (
    ReferralCompleted as ReferralCompleted,
)
from shared.events.contracts.referrals import (
    ReferralFacts as ReferralFacts,
)
from shared.events.contracts.referrals import (
    ReferralFailed as ReferralFailed,
)
from shared.events.contracts.referrals import (
    ReferralOverdue as ReferralOverdue,
)
from shared.events.contracts.referrals import (
    ReferralRejected as ReferralRejected,
)
from shared.events.contracts.referrals import (
    ReferralSent as ReferralSent,
)
from shared.events.contracts.referrals import (
    ReferralStarted as ReferralStarted,
)
from shared.events.contracts.registry import (
    ClusterFacts as ClusterFacts,
)
from shared.events.contracts.registry import (
    ClusterLabelRecorded as ClusterLabelRecorded,
)
from shared.events.contracts.registry import (
    ClusterLeagueChanged as ClusterLeagueChanged,
)
from shared.events.contracts.registry import (
    ClusterRegistered as ClusterRegistered,
)
from shared.events.contracts.registry import (
    ClusterResponsibilityChanged as ClusterResponsibilityChanged,
)
from shared.events.contracts.registry import (
    ClusterStatusChanged as ClusterStatusChanged,
)
from shared.events.contracts.registry import (
    ClusterUpdated as ClusterUpdated,
)
from shared.events.contracts.registry import (
    MergerSuggested as MergerSuggested,
)
from shared.events.contracts.registry import (
    MinistrySeatAnswered as MinistrySeatAnswered,
)
from shared.events.contracts.registry import (
    MinistrySeatOffered as MinistrySeatOffered,
)
from shared.events.contracts.registry import (
    OrganisationRegistered as OrganisationRegistered,
)
from shared.events.contracts.registry import (
    ResponsibilityExceptionConfirmed as ResponsibilityExceptionConfirmed,
)
from shared.events.contracts.registry import (
    ResponsibilityExceptionDeclined as ResponsibilityExceptionDeclined,
)
from shared.events.contracts.registry import (
    ResponsibilityExceptionFacts as ResponsibilityExceptionFacts,
)
from shared.events.contracts.registry import (
    ResponsibilityExceptionInForce as ResponsibilityExceptionInForce,
)
from shared.events.contracts.registry import (
    ResponsibilityExceptionProposed as ResponsibilityExceptionProposed,
)
from shared.events.contracts.registry import (
    ResponsibilityExceptionWithdrawn as ResponsibilityExceptionWithdrawn,
)
from shared.events.contracts.registry import (
    ResponsibilityFacts as ResponsibilityFacts,
)
