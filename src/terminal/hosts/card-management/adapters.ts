/**
 * The push ports (push-ports.ts) over the real hosts: the issuer host (src/terminal/hosts/issuer) and
 * the medical-insurance centre (src/terminal/hosts/medical-insurance).
 */
import type { IssuerHost } from '../issuer/issuer-host.js';
import type { MedicalInsuranceCentre } from '../medical-insurance/centre.js';
import type { BankCardPort, CentreCardPort } from './push-ports.js';

/** The bank's card block (`IssuerHost.setCardBlocked`, docs/issuer-host.md "card blocked"). */
export function bankCardPort(issuer: IssuerHost): BankCardPort {
  return {
    async cardBlocked(pan) {
      return (await issuer.account(pan))?.cardBlocked;
    },
    async setCardBlocked(pan, blocked) {
      await issuer.setCardBlocked(pan, blocked);
    },
  };
}

/** The centre's cards (`bindCard`, `deregisterCard`; docs/medical-insurance-centre.md "Insured persons"). */
export function centreCardPort(centre: MedicalInsuranceCentre): CentreCardPort {
  return {
    cardStatus(cardSn) {
      return centre.store.getCard(cardSn.toUpperCase())?.status;
    },
    bindCard(idNumber, card) {
      const person = centre.findPerson(idNumber.toUpperCase());
      if (!person) return false;
      centre.bindCard(person.psn_no, { card_sn: card.cardSn, card_no: card.cardNumber });
      return true;
    },
    deregisterCard(cardSn) {
      centre.deregisterCard(cardSn);
    },
    accountBalance(idNumber) {
      return centre.findPerson(idNumber.toUpperCase())?.balance;
    },
  };
}
